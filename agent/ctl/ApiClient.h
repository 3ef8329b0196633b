#pragma once
// agentctl's side of the control API: HTTP/JSON (HttpClient.h) with the bearer token.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "Error.h"
#include "HttpClient.h"

namespace agent::ctl {

struct ApiReply {
  long status = 0;
  nlohmann::json body;
};

// Where the agent is: --api/--token-file, else the `api` and `token` files of the state
// directory, else the defaults. Where each came from is kept for the messages.
struct Endpoint {
  std::string url;
  std::string token;
  std::string tokenFile;  // the file the token was read from
  std::string stateDir;   // agentctl's --state-dir
  std::string tlsCa;      // --tls-ca / AGENT_TLS_CA: CAs for an https URL; empty: the system's
};
// The endpoint's URL, parsed, with its TLS settings.
Result<HttpUrl> endpointUrl(const Endpoint& endpoint);
// A token file that is missing is ECONNREFUSED (agentd writes it when it starts: most likely
// it never ran with this state directory), one agentctl may not read EACCES; both say the
// file and the options in use.
Result<Endpoint> findEndpoint(const std::string& apiFlag, const std::string& tokenFileFlag, const std::string& stateDir,
                              const std::string& tlsCa = "");

// Every way a request can fail to get agentd's answer is one of these (agentctl exits 3):
// never reached (nothing listens, the name does not resolve, not agentd, no answer in time,
// agentd stopping, its certificate not trusted: ECONNREFUSED), or cut after it was sent
// (ECONNABORTED: it may have been done). Each is one sentence: what happened at which address, and how to start or
// check agentd.
bool isUnreachable(const Error& error);
Error unreachable(const Error& transport, const Endpoint& endpoint);

// agentd refused the token (401): which file it came from, and where agentd keeps its own
// (`agentdTokenFile`, from the reply; empty if it did not say).
std::string tokenRefused(const Endpoint& endpoint, const std::string& agentdTokenFile);

class ApiClient {
 public:
  explicit ApiClient(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}
  // Errors: unreachable() ones when the agent is unreachable (agentctl exits 3).
  Result<ApiReply> call(const std::string& method, const std::string& path,
                        const std::optional<nlohmann::json>& body = std::nullopt, long timeoutSeconds = 120) const;
  // The reply as it came (a container's output is not JSON). Errors as for call().
  Result<HttpReply> exchange(const std::string& method, const std::string& path,
                             const std::optional<nlohmann::json>& body = std::nullopt, long timeoutSeconds = 120) const;
  const Endpoint& endpoint() const { return endpoint_; }

 private:
  Endpoint endpoint_;
};

}  // namespace agent::ctl
