#include "HttpApi.h"

#include <civetweb.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include <thread>
#include <vector>

#include "ApiToken.h"
#include "CivetWebStop.h"

namespace agent {

namespace {

constexpr const char* kBodyTooLarge = "the request's body is over 1 MiB, more than agentd takes; send less";

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return status >= 500 ? "Internal Server Error" : "OK";
  }
}

void send(::mg_connection* connection, const HttpResponse& response) {
  std::string json;
  if (!response.raw) json = response.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const std::string& text = response.raw ? *response.raw : json;
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) +
                     "\r\nContent-Type: " + (response.raw ? response.contentType : "application/json") +
                     "\r\nContent-Length: " + std::to_string(text.size()) + "\r\n";
  for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
  head += "Connection: close\r\n\r\n";
  mg_write(connection, head.data(), head.size());
  mg_write(connection, text.data(), text.size());
}

std::string urlDecode(std::string_view text) {
  std::string out(text.size() + 1, '\0');
  int n = mg_url_decode(text.data(), static_cast<int>(text.size()), out.data(), static_cast<int>(out.size()), 1);
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

// "127.0.0.1:9102" -> civetweb's "127.0.0.1:9102"; ":9101" -> "9101" (every interface).
std::string listeningPorts(const std::string& address) {
  if (!address.empty() && address.front() == ':') return address.substr(1);
  return address;
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
                                                Handler handler, Observer observer) {
  static const bool initialized = mg_init_library(0) != 0 || true;
  (void)initialized;
  std::unique_ptr<HttpApi> api(new HttpApi(std::move(token), std::move(tokenFile), std::move(handler)));
  api->observer_ = std::move(observer);  // before the first request can arrive
  std::string ports = listeningPorts(address);
  const char* options[] = {"listening_ports",    ports.c_str(), "num_threads", "8",
                           "request_timeout_ms", "60000",       nullptr};
  mg_callbacks callbacks{};
  api->context_ = mg_start(&callbacks, nullptr, options);
  if (api->context_ == nullptr) {
    return userError("cannot listen on " + address +
                         ": the port is taken, or the host is not an address of this machine; give another "
                         "--api-address (port 0 picks a free one)",
                     EADDRINUSE);
  }
  mg_set_request_handler(api->context_, "/", &HttpApi::dispatch, api.get());
  mg_server_port bound[4];
  int count = mg_get_server_ports(api->context_, 4, bound);
  std::string host = address.substr(0, address.rfind(':'));
  api->host_ = host;
  if (host.empty()) host = "0.0.0.0";
  api->url_ = "http://" + host + ":" + std::to_string(count > 0 ? bound[0].port : 0);
  return api;
}

HttpApi::~HttpApi() {
  stopCivetWeb(context_, host_);
}

int HttpApi::dispatch(::mg_connection* connection, void* self) {
  auto* api = static_cast<HttpApi*>(self);
  {
    std::lock_guard lock(api->inFlightMutex_);
    if (api->draining_) {
      send(connection, errorResponse(503, "unavailable", "agentd is stopping; ask again once it is back"));
      return 503;
    }
    ++api->inFlight_;
  }
  HttpRequest request;
  int status = api->serve(connection, request);
  if (api->observer_) api->observer_(request, status);
  {
    std::lock_guard lock(api->inFlightMutex_);
    --api->inFlight_;
  }
  api->inFlightChanged_.notify_all();
  return status;
}

size_t HttpApi::drain(std::chrono::milliseconds bound) {
  std::unique_lock lock(inFlightMutex_);
  draining_ = true;
  inFlightChanged_.wait_for(lock, bound, [this] { return inFlight_ == 0; });
  return inFlight_;
}

int HttpApi::serve(::mg_connection* connection, HttpRequest& request) {
  HttpApi* api = this;
  const mg_request_info* info = mg_get_request_info(connection);
  request.method = info->request_method;
  std::string_view uri = info->local_uri ? info->local_uri : "/";
  while (!uri.empty()) {
    size_t slash = uri.find('/');
    std::string_view part = uri.substr(0, slash);
    if (!part.empty()) request.path.push_back(urlDecode(part));
    uri.remove_prefix(slash == std::string_view::npos ? uri.size() : slash + 1);
  }
  if (info->query_string) {
    std::string_view rest = info->query_string;
    while (!rest.empty()) {
      size_t amp = rest.find('&');
      std::string_view pair = rest.substr(0, amp);
      size_t eq = pair.find('=');
      request.query[urlDecode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "1" : urlDecode(pair.substr(eq + 1));
      rest.remove_prefix(amp == std::string_view::npos ? rest.size() : amp + 1);
    }
  }

  bool health = request.path == std::vector<std::string>{"healthz"};
  if (!health) {
    const char* header = mg_get_header(connection, "Authorization");
    auto given = bearerToken(header ? header : "");
    if (!given || !tokensEqual(std::string(*given), api->token_)) {
      HttpResponse refused =
          errorResponse(401, "unauthorized",
                        std::string(header ? "wrong" : "no") + " bearer token; send the one agentd wrote to " +
                            api->tokenFile_ + " (Authorization: Bearer TOKEN)");
      refused.body["token_file"] = api->tokenFile_;
      send(connection, refused);
      return 401;
    }
  }
  if (info->content_length > static_cast<long long>(kMaxRequestBody)) {
    send(connection, errorResponse(413, "invalid", kBodyTooLarge));
    return 413;
  }
  // CivetWeb's worker threads have a small fixed stack: no big buffers on it.
  std::vector<char> chunk(16384);
  int n;
  while ((n = mg_read(connection, chunk.data(), chunk.size())) > 0) {
    request.body.append(chunk.data(), static_cast<size_t>(n));
    if (request.body.size() > kMaxRequestBody) {
      send(connection, errorResponse(413, "invalid", kBodyTooLarge));
      return 413;
    }
  }
  HttpResponse response{200, {{"status", "ok"}}};
  auto started = std::chrono::steady_clock::now();
  if (!health) {
    // Handlers fork, parse and read files: they run on a thread with a normal stack, since
    // CivetWeb's own threads have a small one.
    std::thread worker([&] {
      try {
        response = api->handler_(request);
      } catch (const std::exception& e) {
        // A bad request must never take the agent down.
        response = errorResponse(500, "internal", e.what());
      }
    });
    worker.join();
  }
  spdlog::debug(
      "api method={} uri={} status={} duration_us={}", request.method, info->local_uri ? info->local_uri : "",
      response.status,
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
  send(connection, response);
  return response.status;
}

}  // namespace agent
