#pragma once
// HTTP/1.1 over a unix socket, for the engines' APIs (Docker's /var/run/docker.sock, podman's
// API socket), through libcurl (CURLOPT_UNIX_SOCKET_PATH). One handle per call: calls are rare
// (a listing at start, an inspect per event, a limit update), so nothing is pooled.
// Thread-safe: each call is independent.
#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>

#include "Error.h"

namespace agent::engines {

struct HttpResponse {
  long status = 0;   // the HTTP status code
  std::string body;  // the whole body (chunked encoding already undone)
};

class UnixSocketHttp {
 public:
  // `timeout` bounds connect plus the whole exchange of get/post; streamLines has no total
  // timeout (an event stream is idle for hours), only the connect one.
  explicit UnixSocketHttp(std::string socketPath, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  const std::string& socketPath() const { return socketPath_; }

  // `path` is the request target, e.g. "/v1.41/containers/json?all=1". Errors: the socket
  // missing or refusing (errno ENOENT / ECONNREFUSED, path = the socket), a timeout
  // (ETIMEDOUT), anything else curl reports (EIO, with curl's text). A non-2xx status is not an
  // error here: the caller reads the engine's message from the body.
  Result<HttpResponse> get(const std::string& path) const;
  // POST with a JSON body (Content-Type: application/json).
  Result<HttpResponse> post(const std::string& path, const std::string& jsonBody) const;

  // GET of a long response (Docker's GET /events), handed over line by line (without the
  // '\n') as it arrives. Returns when the server ends the response (an engine going down:
  // not an error), when `onLine` returns false, or within about a second of `stop` being
  // requested. Errors as get(); a status other than 200 is an error carrying the body.
  Result<void> streamLines(const std::string& path, const std::function<bool(std::string_view line)>& onLine,
                           std::stop_token stop) const;

 private:
  Result<HttpResponse> exchange(const char* method, const std::string& path, const std::string* body) const;

  std::string socketPath_;
  std::chrono::milliseconds timeout_;
};

}  // namespace agent::engines
