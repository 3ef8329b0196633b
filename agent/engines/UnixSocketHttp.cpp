#include "UnixSocketHttp.h"

#include <curl/curl.h>
#include <unistd.h>

#include <memory>
#include <mutex>

namespace agent::engines {

namespace {

// curl_global_init is not thread-safe: once, before the first handle.
void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_NOTHING); });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

size_t appendToString(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// curl's codes as errno, so callers tell "no engine here" from a broken one.
tl::unexpected<Error> curlError(CURLcode code, const std::string& socketPath, const char* errorBuffer) {
  int errnum = EIO;
  if (code == CURLE_COULDNT_CONNECT) errnum = ECONNREFUSED;
  if (code == CURLE_OPERATION_TIMEDOUT) errnum = ETIMEDOUT;
  std::string why = errorBuffer[0] ? errorBuffer : curl_easy_strerror(code);
  // A missing socket shows as "couldn't connect": say which, the caller logs it once.
  if (code == CURLE_COULDNT_CONNECT && ::access(socketPath.c_str(), F_OK) != 0) errnum = ENOENT;
  return logicError("HTTP over unix socket: " + why, socketPath, errnum);
}

CurlHandle newHandle(const std::string& socketPath, const std::string& path, char* errorBuffer) {
  initCurlOnce();
  CurlHandle curl(curl_easy_init());
  if (!curl) return curl;
  errorBuffer[0] = '\0';
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(curl.get(), CURLOPT_UNIX_SOCKET_PATH, socketPath.c_str());
  // The host part is ignored on a unix socket; Docker wants a Host header all the same.
  std::string url = "http://localhost" + path;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http");
  return curl;
}

}  // namespace

UnixSocketHttp::UnixSocketHttp(std::string socketPath, std::chrono::milliseconds timeout)
    : socketPath_(std::move(socketPath)), timeout_(timeout) {}

Result<HttpResponse> UnixSocketHttp::get(const std::string& path) const {
  return exchange("GET", path, nullptr);
}

Result<HttpResponse> UnixSocketHttp::post(const std::string& path, const std::string& jsonBody) const {
  return exchange("POST", path, &jsonBody);
}

Result<HttpResponse> UnixSocketHttp::exchange(const char* method, const std::string& path,
                                              const std::string* body) const {
  char errorBuffer[CURL_ERROR_SIZE];
  CurlHandle curl = newHandle(socketPath_, path, errorBuffer);
  if (!curl) return logicError("HTTP over unix socket: curl_easy_init failed", socketPath_, ENOMEM);
  HttpResponse response;
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, appendToString);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response.body);
  HeaderList headers;
  if (body) {
    headers.reset(curl_slist_append(nullptr, "Content-Type: application/json"));
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) return curlError(code, socketPath_, errorBuffer);
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

namespace {
struct StreamState {
  const std::function<bool(std::string_view)>* onLine;
  std::stop_token stop;
  std::string pending;  // a line not yet ended
  std::string errorBody;
  CURL* curl = nullptr;
  bool failedStatus = false;
  bool stoppedByCaller = false;
};

size_t streamWrite(char* data, size_t size, size_t count, void* opaque) {
  auto* state = static_cast<StreamState*>(opaque);
  size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(state->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    state->failedStatus = true;
    state->errorBody.append(data, n);
    return n;
  }
  state->pending.append(data, n);
  size_t start = 0;
  for (size_t end; (end = state->pending.find('\n', start)) != std::string::npos; start = end + 1) {
    std::string_view line(state->pending.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!(*state->onLine)(line)) {
      state->stoppedByCaller = true;
      return 0;  // makes curl end the transfer (CURLE_WRITE_ERROR)
    }
  }
  state->pending.erase(0, start);
  return n;
}

// Called by curl about once a second even when nothing arrives: where a stop is noticed.
int streamProgress(void* opaque, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* state = static_cast<StreamState*>(opaque);
  if (state->stop.stop_requested()) {
    state->stoppedByCaller = true;
    return 1;  // aborts the transfer (CURLE_ABORTED_BY_CALLBACK)
  }
  return 0;
}
}  // namespace

Result<void> UnixSocketHttp::streamLines(const std::string& path,
                                         const std::function<bool(std::string_view line)>& onLine,
                                         std::stop_token stop) const {
  char errorBuffer[CURL_ERROR_SIZE];
  CurlHandle curl = newHandle(socketPath_, path, errorBuffer);
  if (!curl) return logicError("HTTP over unix socket: curl_easy_init failed", socketPath_, ENOMEM);
  StreamState state{&onLine, stop, {}, {}, curl.get()};
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, streamWrite);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, streamProgress);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &state);
  CURLcode code = curl_easy_perform(curl.get());
  if (state.stoppedByCaller) return {};
  if (code != CURLE_OK) return curlError(code, socketPath_, errorBuffer);
  if (state.failedStatus) {
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    return logicError("GET " + path + " answered " + std::to_string(status) + ": " + state.errorBody, socketPath_,
                      EPROTO);
  }
  return {};  // the server ended the stream
}

}  // namespace agent::engines
