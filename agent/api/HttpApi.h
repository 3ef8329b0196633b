#pragma once
// A small JSON-over-HTTP server on HttpServer (libmicrohttpd, HttpServer.h): bearer-token auth on every route but
// /healthz (the scheme in any case, ApiToken.h), bodies over 1 MiB refused with 413, errors as
// {"error": "...", "code": "..."}; a handler may answer with another body (container output).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "Error.h"
#include "HttpServer.h"

namespace agent {

inline constexpr size_t kMaxRequestBody = 1 << 20;

struct HttpRequest {
  std::string method;
  std::vector<std::string> path;  // "/v1/containers/abc" -> {"v1", "containers", "abc"}
  std::map<std::string, std::string> query;
  std::string body;
  std::string upgrade;                   // the Upgrade header ("tcp" for a terminal's stream), else empty
  std::shared_ptr<HttpBodySink> upload;  // the body, when HttpApi's intake sent it to disk
  std::string queryValue(const std::string& key, const std::string& fallback = "") const;
};

struct HttpResponse {
  HttpResponse() = default;
  HttpResponse(int status, nlohmann::json body) : status(status), body(std::move(body)) {}
  int status = 200;
  nlohmann::json body;
  // A body that is not JSON (a container's output): sent as it is, with its type, and the
  // headers that say what it is.
  std::optional<std::string> raw;
  std::string contentType;
  std::vector<std::pair<std::string, std::string>> headers;
  // With status 101: the connection becomes this session's (HttpServerReply::upgrade).
  std::function<void(int socket, std::string early)> upgrade = {};
  // The body written as it comes (HttpServerReply::stream), with `contentType`.
  std::function<void(HttpReplyStream&)> stream = {};
};

// The server's reply for a response (JSON, raw, upgrade or stream).
HttpServerReply toServerReply(const HttpResponse& response);

// Once a request's head is in and its token checked: a refusal, or a sink for a body that is
// not kept in memory (an image upload, ImageUpload.h), or neither (in memory, up to 1 MiB).
struct BodyIntake {
  std::optional<HttpResponse> refusal;
  std::shared_ptr<HttpBodySink> sink;
};
using Intake = std::function<BodyIntake(const HttpRequest& head, const HttpServerRequest& raw)>;

// The error body and status for an Error: ENOENT/ESRCH 404 not_found, EINVAL 400 invalid,
// EEXIST/EBUSY 409 conflict, anything else 500 internal.
HttpResponse errorResponse(const Error& error);
HttpResponse errorResponse(int status, const std::string& code, const std::string& message);

class HttpApi {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Told of every request once it is answered (its parsed path and the status sent).
  using Observer = std::function<void(const HttpRequest&, int status)>;
  // Listens on HOST:PORT (port 0: any free port). `handler` serves every authorized request;
  // a refused one is told `tokenFile`, where agentd keeps the token.
  // With `tls` (HttpServerTls), https: the URL says so.
  static Result<std::unique_ptr<HttpApi>> start(const std::string& address, std::string token, std::string tokenFile,
                                                Handler handler, Observer observer = {}, Intake intake = {},
                                                HttpServerTls tls = {});
  ~HttpApi();

  // The URL actually bound, e.g. http://127.0.0.1:9102 (https:// with TLS)
  const std::string& url() const { return url_; }

  // For agentd's exit: new requests get 503 (agentd is stopping); waits up to `bound` for
  // those in flight to be answered (a `stop -t 4` gets its reply). Returns how many are
  // still running then: the server's stop waits for them.
  size_t drain(std::chrono::milliseconds bound);

 private:
  HttpApi(std::string token, std::string tokenFile, Handler handler)
      : token_(std::move(token)), tokenFile_(std::move(tokenFile)), handler_(std::move(handler)) {}
  std::optional<HttpServerReply> screen(const HttpServerRequest& raw);
  HttpServerReply serve(const HttpServerRequest& raw);
  void answered(const HttpRequest& request, int status);

  std::string token_;
  std::string tokenFile_;
  Handler handler_;
  Observer observer_;
  std::string url_;
  std::mutex inFlightMutex_;
  std::condition_variable inFlightChanged_;
  size_t inFlight_ = 0;
  bool draining_ = false;
  std::unique_ptr<HttpServer> server_;  // last: stopped first, while the rest is still there
};

}  // namespace agent
