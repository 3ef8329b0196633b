#pragma once
// What goes over a container's attach socket (<state-dir>/containers/<id>/attach.sock), agentd
// to agent-shim. Each connection starts with one line saying what it is for, and the shim
// answers one line, "ok" or "error <why>":
//   "attach\n"            the stream: after "ok", raw bytes both ways (the terminal's master,
//                         or PID 1's stdin one way); the client's half-close ends stdin
//   "resize ROWS COLS\n"  the terminal's window size (TIOCSWINSZ), then the shim closes it
// Resizes travel on a connection of their own rather than framed inside the stream: the
// stream stays bytes as the container reads and writes them (nothing to escape, a client that
// is not agentctl can relay it blindly), and a resize needs no hold on the stream's relay.
#include <cstdint>
#include <string>

#include "Error.h"
#include "UniqueFd.h"

namespace agent::container {

std::string attachSocketPath(const std::string& bundleDir);

// A unix socket address for attachSocketPath(bundleDir) however long that path is (a
// sockaddr_un holds 107 bytes; a state directory plus a 64-digit id may pass that): through
// `dirFd`, an O_PATH descriptor of the directory, as /proc/self/fd/N/attach.sock.
struct AttachAddress {
  UniqueFd dirFd;
  std::string path;
};
Result<AttachAddress> attachAddress(const std::string& bundleDir);

// The stream of the container whose state directory is `bundleDir`, connected and accepted.
// ENOENT: the container has no terminal nor open stdin (or has stopped); EBUSY: another
// client is attached.
Result<UniqueFd> openAttachStream(const std::string& bundleDir);
Result<void> resizeTerminal(const std::string& bundleDir, uint16_t rows, uint16_t columns);

}  // namespace agent::container
