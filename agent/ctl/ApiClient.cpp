#include "ApiClient.h"

#include "FileAt.h"
#include "TextParse.h"

namespace agent::ctl {

Result<Endpoint> findEndpoint(const std::string& apiFlag, const std::string& tokenFileFlag,
                              const std::string& stateDir) {
  Endpoint endpoint;
  endpoint.url = apiFlag;
  if (endpoint.url.empty()) {
    auto recorded = readWholeFile(stateDir + "/api");
    endpoint.url = recorded ? std::string(text::trim(*recorded)) : "http://127.0.0.1:9102";
  }
  std::string tokenFile = tokenFileFlag.empty() ? stateDir + "/token" : tokenFileFlag;
  auto token = readWholeFile(tokenFile);
  if (!token) {
    if (token.error().errnum == EACCES)
      return logicError("read the API token (agentctl needs root)", tokenFile, EACCES);
    return logicError("read the API token (is agentd running? start it with `make run` or `agentd`)", tokenFile,
                      ECONNREFUSED);
  }
  endpoint.token = std::string(text::trim(*token));
  return endpoint;
}

Result<HttpReply> ApiClient::exchange(const std::string& method, const std::string& path,
                                      const std::optional<nlohmann::json>& body, long timeoutSeconds) const {
  auto url = parseHttpUrl(endpoint_.url);
  if (!url) return tl::unexpected(url.error());
  HttpRequestLine request{method, path, {{"Authorization", "Bearer " + endpoint_.token}}, ""};
  if (body) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body->dump();
  }
  auto reply = httpExchange(*url, request, std::chrono::seconds(timeoutSeconds));
  if (!reply) {
    int err = reply.error().errnum;
    if (err == ECONNREFUSED || err == ENETUNREACH || err == EHOSTUNREACH) {
      return logicError("reach agentd at " + endpoint_.url + " (is it running? start it with `make run` or `agentd`)",
                        "", ECONNREFUSED);
    }
    return tl::unexpected(reply.error());
  }
  if (reply->status == 503) {
    // agentd is stopping: as unreachable as if it were gone.
    return logicError("reach agentd at " + endpoint_.url + " (it is stopping; start it again, or wait for its restart)",
                      "", ECONNREFUSED);
  }
  return reply;
}

Result<ApiReply> ApiClient::call(const std::string& method, const std::string& path,
                                 const std::optional<nlohmann::json>& body, long timeoutSeconds) const {
  auto reply = exchange(method, path, body, timeoutSeconds);
  if (!reply) return tl::unexpected(reply.error());
  ApiReply result;
  result.status = reply->status;
  result.body = nlohmann::json::parse(reply->body, nullptr, false);
  if (result.body.is_discarded()) return logicError("read agentd's reply (not JSON)", endpoint_.url + path, EIO);
  return result;
}

}  // namespace agent::ctl
