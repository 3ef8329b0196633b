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
// directory, else the defaults.
struct Endpoint {
  std::string url;
  std::string token;
};
Result<Endpoint> findEndpoint(const std::string& apiFlag, const std::string& tokenFileFlag,
                              const std::string& stateDir);

class ApiClient {
 public:
  explicit ApiClient(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}
  // Errors: ECONNREFUSED when the agent is unreachable (agentctl exits 3).
  Result<ApiReply> call(const std::string& method, const std::string& path,
                        const std::optional<nlohmann::json>& body = std::nullopt, long timeoutSeconds = 120) const;
  // The reply as it came (a container's output is not JSON). Errors as for call().
  Result<HttpReply> exchange(const std::string& method, const std::string& path,
                             const std::optional<nlohmann::json>& body = std::nullopt, long timeoutSeconds = 120) const;

 private:
  Endpoint endpoint_;
};

}  // namespace agent::ctl
