#pragma once
// agent-shim's end of a container's standard input (`run -i`) or terminal (`run -t`): the
// shim holds the pseudo-terminal's master (made by PID 1 in the container's own devpts) (or the write end of PID 1's
// stdin pipe) for the container's whole life, so a session outlives agentd, and lends it to ONE client at a time
// through a unix socket in the container's state directory (AttachProtocol.h says what goes
// on it). With a terminal, what PID 1 writes is copied into the log as well as to the client;
// what it wrote before the first client came is kept (up to 64 KiB) and given to that client,
// so `run -it IMAGE echo hi` shows `hi` though the container ran before agentctl attached.
#include <poll.h>

#include <memory>
#include <string>

#include "Error.h"
#include "LogFile.h"
#include "UniqueFd.h"

namespace agent::container {

class AttachPoint {
 public:
  static constexpr size_t kPollFds = 3;  // the listening socket, the client, the master or stdin pipe

  // A terminal (tty) or a stdin pipe (neither: no attach point is needed). Listens on
  // attachSocketPath(bundleDir).
  static Result<std::unique_ptr<AttachPoint>> create(const std::string& bundleDir, bool tty);
  AttachPoint(const AttachPoint&) = delete;
  AttachPoint& operator=(const AttachPoint&) = delete;
  ~AttachPoint();

  // PID 1's end: with a terminal, the console socket it sends the terminal's master on
  // (Launcher.h's consoleSocket); else the read end of its stdin pipe. Close it
  // (closeContainerEnd) once PID 1 has it.
  int containerEnd() const { return containerEnd_.get(); }
  void closeContainerEnd() { containerEnd_.reset(); }
  bool tty() const { return tty_; }
  // With a terminal, once PID 1 is started: takes the master it sent (up to `timeoutMs`).
  Result<void> receiveTerminal(int timeoutMs);

  // The shim's poll loop, as OutputPump's. `log`: where a terminal's output goes.
  void preparePoll(pollfd* fds) const;
  void afterPoll(const pollfd* fds, LogFile& log);
  // After PID 1 ended: what is left on the terminal goes to the log and the client.
  void drain(LogFile& log);

 private:
  AttachPoint() = default;
  void acceptClient();
  void fromContainer(LogFile& log);
  void fromClient();
  void toContainer();
  void send(std::string_view bytes);
  void dropClient();
  void resize(std::string_view size);

  bool tty_ = false;
  std::string socketPath_;
  UniqueFd listener_;
  UniqueFd client_;
  UniqueFd shimEnd_;         // the master (once received), or the write end of PID 1's stdin pipe
  UniqueFd containerEnd_;    // PID 1's end of the console socket, or the read end of the stdin pipe
  UniqueFd console_;         // the shim's end of the console socket, until the master came
  std::string toContainer_;  // from the client, not yet taken by the terminal or pipe
  std::string early_;        // terminal output before the first client attached
  bool attachedOnce_ = false;
};

}  // namespace agent::container
