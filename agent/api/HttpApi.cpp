#include "HttpApi.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <vector>

#include "ApiToken.h"

namespace agent {

namespace {

constexpr const char* kBodyTooLarge = "the request's body is over 1 MiB, more than agentd takes; send less";

HttpServerReply toReply(const HttpResponse& response) {
  return toServerReply(response);
}

}  // namespace

HttpServerReply toServerReply(const HttpResponse& response) {
  HttpServerReply reply;
  reply.status = response.status;
  if (response.raw || response.stream) {
    reply.contentType = response.contentType;
    if (response.raw) reply.body = std::make_shared<const std::string>(*response.raw);
  } else {
    reply.contentType = "application/json";
    reply.body = std::make_shared<const std::string>(
        response.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }
  reply.headers = response.headers;
  reply.upgrade = response.upgrade;
  reply.stream = response.stream;
  return reply;
}

namespace {

// "/v1/containers/abc" (decoded by the server) -> {"v1", "containers", "abc"}.
HttpRequest parsed(const HttpServerRequest& raw) {
  HttpRequest request;
  request.method = raw.method;
  std::string_view uri = raw.path;
  while (!uri.empty()) {
    size_t slash = uri.find('/');
    std::string_view part = uri.substr(0, slash);
    if (!part.empty()) request.path.emplace_back(part);
    uri.remove_prefix(slash == std::string_view::npos ? uri.size() : slash + 1);
  }
  for (const auto& [key, value] : raw.query) request.query[key] = value;
  return request;
}

}  // namespace

std::string HttpRequest::queryValue(const std::string& key, const std::string& fallback) const {
  auto it = query.find(key);
  return it == query.end() ? fallback : it->second;
}

HttpResponse errorResponse(int status, const std::string& code, const std::string& message) {
  return HttpResponse{status, {{"error", message}, {"code", code}}};
}

HttpResponse errorResponse(const Error& error) {
  switch (error.errnum) {
    case ENOENT:
    case ESRCH:
      return errorResponse(404, "not_found", error.message());
    case EINVAL:
      return errorResponse(400, "invalid", error.message());
    case EEXIST:
    case EBUSY:
      return errorResponse(409, "conflict", error.message());
    default:
      return errorResponse(500, "internal", error.message());
  }
}

Result<std::unique_ptr<HttpApi>> HttpApi::start(const std::string& address, std::string token, std::string tokenFile,
                                                Handler handler, Observer observer, Intake intake, HttpServerTls tls) {
  std::unique_ptr<HttpApi> api(new HttpApi(std::move(token), std::move(tokenFile), std::move(handler)));
  api->observer_ = std::move(observer);  // before the first request can arrive
  HttpServerOptions http;
  http.address = address;
  http.flag = "--api-address";
  http.maxBody = kMaxRequestBody;
  bool secure = tls.enabled();
  http.tls = std::move(tls);
  HttpApi* self = api.get();
  http.tooLarge = [self](const HttpServerRequest& raw) {
    self->answered(parsed(raw), 413);
    return toReply(errorResponse(413, "invalid", kBodyTooLarge));
  };
  if (intake) {
    http.intake = [self, intake = std::move(intake)](const HttpServerRequest& raw) {
      HttpRequest head = parsed(raw);
      BodyIntake taken = intake(head, raw);
      HttpBodyIntake result;
      result.sink = std::move(taken.sink);
      if (taken.refusal) {
        self->answered(head, taken.refusal->status);
        result.refusal = toReply(*taken.refusal);
      }
      return result;
    };
  }
  auto started = HttpServer::start(
      std::move(http), [self](const HttpServerRequest& raw) { return self->screen(raw); },
      [self](const HttpServerRequest& raw) { return self->serve(raw); });
  if (!started) return tl::unexpected(started.error());
  api->server_ = std::move(*started);
  // Every interface: this host's agentctl reaches it on loopback (STATE_DIR/api); with TLS the
  // certificate must then name 127.0.0.1 too (docs/agentd.md).
  std::string host = api->server_->host();
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  api->url_ = (secure ? "https://" : "http://") + host + ":" + std::to_string(api->server_->port());
  return api;
}

HttpApi::~HttpApi() {
  server_.reset();  // waits for handlers in flight
}

void HttpApi::answered(const HttpRequest& request, int status) {
  if (observer_) observer_(request, status);
}

// On the server's thread, once the head is in: what needs no handler is answered here (no
// thread, no body read). A refused token costs a compare and a small JSON body: less than any
// authorized request, which also starts a thread.
std::optional<HttpServerReply> HttpApi::screen(const HttpServerRequest& raw) {
  {
    std::lock_guard lock(inFlightMutex_);
    if (draining_) return toReply(errorResponse(503, "unavailable", "agentd is stopping; ask again once it is back"));
  }
  HttpRequest request = parsed(raw);
  if (request.path == std::vector<std::string>{"healthz"}) {
    answered(request, 200);
    return toReply(HttpResponse{200, {{"status", "ok"}}});
  }
  auto header = raw.headers.find("authorization");
  auto given = bearerToken(header == raw.headers.end() ? std::string_view() : std::string_view(header->second));
  // The compare runs whether or not a token came, on as many bytes.
  bool equal = tokensEqual(given ? std::string(*given) : std::string(token_.size(), '\0'), token_);
  if (given && equal) return std::nullopt;
  HttpResponse refused =
      errorResponse(401, "unauthorized",
                    std::string(header != raw.headers.end() ? "wrong" : "no") +
                        " bearer token; send the one agentd wrote to " + tokenFile_ + " (Authorization: Bearer TOKEN)");
  refused.body["token_file"] = tokenFile_;
  answered(request, 401);
  return toReply(refused);
}

// On a thread of its own (the server's): handlers fork, parse, read files and wait.
HttpServerReply HttpApi::serve(const HttpServerRequest& raw) {
  {
    std::lock_guard lock(inFlightMutex_);
    if (draining_) return toReply(errorResponse(503, "unavailable", "agentd is stopping; ask again once it is back"));
    ++inFlight_;
  }
  HttpRequest request = parsed(raw);
  request.body = raw.body;
  request.upgrade = raw.header("upgrade");
  request.upload = raw.sink;
  auto started = std::chrono::steady_clock::now();
  HttpResponse response;
  try {
    response = handler_(request);
  } catch (const std::exception& e) {
    // A bad request must never take the agent down.
    response = errorResponse(500, "internal", e.what());
  }
  spdlog::debug(
      "api method={} uri={} status={} duration_us={}", request.method, raw.path, response.status,
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
  answered(request, response.status);
  HttpServerReply reply = toReply(response);
  {
    std::lock_guard lock(inFlightMutex_);
    --inFlight_;
  }
  inFlightChanged_.notify_all();
  return reply;
}

size_t HttpApi::drain(std::chrono::milliseconds bound) {
  std::unique_lock lock(inFlightMutex_);
  draining_ = true;
  inFlightChanged_.wait_for(lock, bound, [this] { return inFlight_ == 0; });
  return inFlight_;
}

}  // namespace agent
