#pragma once
// agentctl's end of a container's stream (POST .../attach?stream=1): an HTTP request with
// `Upgrade: tcp` that agentd answers 101, after which the TCP connection carries the
// terminal's (or stdin's) bytes both ways, as Docker's hijacked attach does. Through the API
// only (--api works as the default endpoint does): no socket path is shared with agentd.
#include <string>
#include <variant>

#include "ApiClient.h"
#include "UniqueFd.h"

namespace agent::ctl {

struct HijackedStream {
  UniqueFd socket;
  std::string early;  // bytes of the stream that came with the 101's head
  std::string head;   // the 101's head (exec's carries Agent-Exec-Id)
};

// A refusal (agentd answered, not 101) is the reply: its status and JSON body.
struct StreamRefused {
  long status = 0;
  nlohmann::json body;
};

// Errors: unreachable ones (as ApiClient's) or EPROTO; a refusal is returned as such.
Result<std::variant<HijackedStream, StreamRefused>> openHijackedStream(const Endpoint& endpoint,
                                                                       const std::string& path,
                                                                       const std::string& jsonBody = "");

}  // namespace agent::ctl
