#include "ApiClient.h"

#include <cstring>

#include "FileAt.h"
#include "TextParse.h"

namespace agent::ctl {

namespace {

// How to get an agentd to answer, after any sentence that says it did not.
std::string startHint(const Endpoint& endpoint) {
  return "is agentd running? start it (`sudo agentd`, or `make run` in the source tree), or give agentctl the "
         "--state-dir of the agentd you mean (now " +
         endpoint.stateDir + ")";
}

}  // namespace

Result<HttpUrl> endpointUrl(const Endpoint& endpoint) {
  auto url = parseHttpUrl(endpoint.url);
  if (url) url->tlsCa = endpoint.tlsCa;
  return url;
}

Result<Endpoint> findEndpoint(const std::string& apiFlag, const std::string& tokenFileFlag, const std::string& stateDir,
                              const std::string& tlsCa) {
  Endpoint endpoint;
  endpoint.stateDir = stateDir;
  endpoint.tlsCa = tlsCa;
  endpoint.url = apiFlag;
  if (endpoint.url.empty()) {
    auto recorded = readWholeFile(stateDir + "/api");
    endpoint.url = recorded ? std::string(text::trim(*recorded)) : "http://127.0.0.1:9102";
  }
  endpoint.tokenFile = tokenFileFlag.empty() ? stateDir + "/token" : tokenFileFlag;
  auto token = readWholeFile(endpoint.tokenFile);
  if (!token) {
    int err = token.error().errnum;
    std::string cannot = "cannot read the API token " + endpoint.tokenFile + ": " + std::strerror(err);
    if (err == EACCES || err == EPERM)
      return userError(cannot + "; it is root's (mode 0600): run agentctl as root (sudo agentctl ...)", EACCES);
    if (!tokenFileFlag.empty())
      return userError(
          cannot + " (given by --token-file); give the token file of a running agentd, its " + "STATE_DIR/token",
          ECONNREFUSED);
    return userError(cannot + "; agentd writes it when it starts, so no agentd has started with --state-dir " +
                         stateDir + ": start one (`sudo agentd`, or `make run` in the source tree), or give " +
                         "agentctl the --state-dir (or --token-file) of the agentd you mean",
                     ECONNREFUSED);
  }
  endpoint.token = std::string(text::trim(*token));
  return endpoint;
}

bool isUnreachable(const Error& error) {
  return error.errnum == ECONNREFUSED || error.errnum == ECONNABORTED;
}

Error unreachable(const Error& transport, const Endpoint& endpoint) {
  const std::string& url = endpoint.url;
  switch (transport.errnum) {
    case EKEYREJECTED:  // TlsTunnel: agentd's certificate is not trusted; the sentence says what to give
    case ENOKEY:        // TlsTunnel: the CA file or libssl is missing
      return Error{ECONNREFUSED, "", transport.action, true};
    case ECONNABORTED:
      return Error{ECONNABORTED, "",
                   "agentd at " + url + " closed the connection before answering (it stopped or restarted?)", true};
    case ECONNRESET:
    case EPIPE:
      // Before the request was sent: agentd closed connections it would not serve.
      return Error{ECONNREFUSED, "",
                   "agentd at " + url +
                       " reset the connection (it is stopping or restarting?); ask again once it is "
                       "back, or " +
                       startHint(endpoint),
                   true};
    case ETIMEDOUT:
      return Error{ECONNREFUSED, "",
                   "agentd at " + url +
                       " did not answer in time; it may be busy or hung: see its log (where it was started, or "
                       "journalctl -u agentd)",
                   true};
    case EPROTO:
    case EMSGSIZE:
      return Error{ECONNREFUSED, "",
                   "what answers at " + url + " is not agentd (its reply is not agentd's HTTP); " + startHint(endpoint),
                   true};
    default:
      break;
  }
  // The system's reason (Connection refused, No route to host), or the sentence a name that
  // does not resolve got.
  std::string why = transport.sentence ? transport.action : std::strerror(transport.errnum);
  return Error{ECONNREFUSED, "", "cannot reach agentd at " + url + " (" + why + "); " + startHint(endpoint), true};
}

std::string tokenRefused(const Endpoint& endpoint, const std::string& agentdTokenFile) {
  std::string text = "agentd at " + endpoint.url + " refused the API token read from " + endpoint.tokenFile;
  if (!agentdTokenFile.empty() && agentdTokenFile != endpoint.tokenFile)
    text += "; its own token is in " + agentdTokenFile;
  return text + ": give agentctl the --state-dir (or --token-file) of that agentd";
}

Result<HttpReply> ApiClient::exchange(const std::string& method, const std::string& path,
                                      const std::optional<nlohmann::json>& body, long timeoutSeconds) const {
  auto url = endpointUrl(endpoint_);
  if (!url) return tl::unexpected(url.error());
  HttpRequestLine request{method, path, {{"Authorization", "Bearer " + endpoint_.token}}, ""};
  if (body) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body->dump();
  }
  auto reply = httpExchange(*url, request, std::chrono::seconds(timeoutSeconds));
  if (!reply) return tl::unexpected(unreachable(reply.error(), endpoint_));
  if (reply->status == 503) {
    // agentd is stopping: as unreachable as if it were gone.
    return userError("agentd at " + endpoint_.url +
                         " is stopping; ask again once it is back (start it again with `sudo agentd`, or wait for "
                         "its restart)",
                     ECONNREFUSED);
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
  if (result.body.is_discarded())
    return userError("agentd's reply to " + method + " " + path + " at " + endpoint_.url +
                         " is not JSON; is what answers there agentd?",
                     EIO);
  return result;
}

}  // namespace agent::ctl
