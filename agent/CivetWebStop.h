#pragma once
// Stops a CivetWeb server at once. mg_stop() waits for CivetWeb's master thread, which sees
// the stop only when its poll of the listening sockets returns: on a connection, or after
// SOCKET_TIMEOUT_QUANTUM (2 s in Debian's 1.15). With two servers that was 0-4 s of every
// agentd stop (measured: 1-3 s idle); a connection to the server's own port ends the wait.
#include <string>

struct mg_context;

namespace agent {

// `host`: the address it listens on ("", 0.0.0.0 and :: are reached on loopback).
void stopCivetWeb(mg_context* context, const std::string& host);

}  // namespace agent
