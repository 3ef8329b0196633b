#pragma once
// A container's terminal or stdin through the API (docs/agentd.md, "Terminals"):
//   POST /v1/containers/{id}/attach?stream=1 with `Upgrade: tcp` -> 101, then the connection
//     is the container's stream: raw bytes both ways, relayed to and from its shim's attach
//     socket (AttachProtocol.h), as Docker's hijacked attach; the client's half-close is
//     stdin's EOF
//   POST /v1/containers/{id}/resize?h=ROWS&w=COLUMNS -> the terminal's window size
#include "ApiRouter.h"
#include "ContainerRuntime.h"

namespace agent {

class TerminalHandlers {
 public:
  explicit TerminalHandlers(container::ContainerRuntime& runtime) : runtime_(runtime) {}
  HttpResponse attach(const std::string& id, const HttpRequest& request);
  HttpResponse resize(const std::string& id, const HttpRequest& request);

 private:
  container::ContainerRuntime& runtime_;
};

// Copies bytes both ways between `client` (an upgraded HTTP connection, `early` already read
// from it) and `shim` until both directions have ended; a half-close passes on as one.
// Returns when either socket is shut down for reading and writing.
void relayStream(int client, std::string early, int shim);

}  // namespace agent
