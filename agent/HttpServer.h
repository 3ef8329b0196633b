#pragma once
// The HTTP server under /metrics and the control API: libmicrohttpd with one epoll thread for
// every connection, so a client that is idle, or sends a byte a second, costs a descriptor and
// a few KiB, never a thread (CivetWeb, before, gave each connection a worker thread: 4 idle
// connections held /metrics' 2 workers and delayed a scrape by 19 s; docs/security.md).
//
// Bounds on a client: a connection silent for `idleTimeout` is closed (libmicrohttpd's own
// timeout); one whose request is not all in (head and body) `requestDeadline` after it began
// is closed too, however it trickles (a sweep here: libmicrohttpd's timeout counts silence
// only). Once a request is in, `screen` runs on the epoll thread and may answer it at once
// (401, 404, 503: no thread, no body read); otherwise `handler` runs on a thread of its own
// (handlers fork, wait for containers, long-poll for output: they must not hold the epoll
// thread) while the connection is suspended, and its reply is sent from the epoll thread.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "Error.h"
#include "NetworkAllowList.h"
#include "UpgradedRelay.h"

struct MHD_Daemon;
struct MHD_Connection;
struct MHD_UpgradeResponseHandle;

namespace agent {

class HttpBodySink;

struct HttpServerRequest {
  std::string method;
  std::string path;                                        // percent-decoded, without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded; a key without '=' has the value "1"
  std::map<std::string, std::string> headers;              // names in lower case
  std::string body;
  std::shared_ptr<HttpBodySink> sink;  // the body went there instead (HttpServerOptions::intake)
  std::string header(const std::string& lowerCaseName) const;
};

// A streamed reply's body (HttpServerReply::stream), sent chunked as it is written.
class HttpReplyStream {
 public:
  virtual ~HttpReplyStream() = default;
  virtual bool write(std::string_view bytes) = 0;  // false: the client is gone
};

struct HttpServerReply {
  int status = 200;
  std::string contentType = "text/plain";
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<const std::string> body;  // kept alive while it is sent; null: empty
  // Set with status 101: the connection leaves HTTP once the head is sent (an `Upgrade:`
  // request, e.g. a terminal's stream) and this runs on a thread of its own with the socket
  // and the bytes the client sent after its request; the socket closes when it returns
  // (HttpUpgrade.cpp). It must return when the socket is shut down (the server's end).
  std::function<void(int socket, std::string early)> upgrade = {};
  // Set: the head goes out at once and this writes the body, chunked, on the handler's thread
  // (an image load's progress lines); the reply ends when it returns.
  std::function<void(HttpReplyStream&)> stream = {};
};

// A request body kept out of memory (an image archive spooled to disk), with its own bounds:
// no deadline for the whole body then, only the idle timeout.
class HttpBodySink {
 public:
  virtual ~HttpBodySink() = default;
  // A piece of the body. A reply refuses the request (over a limit, disk full): the rest of
  // the body is read and dropped, then that reply is sent.
  virtual std::optional<HttpServerReply> write(const char* data, size_t size) = 0;
};

// Once a request's head is in (and screened): a refusal, or a sink for its body, or neither
// (the body is kept in memory, up to maxBody).
struct HttpBodyIntake {
  std::optional<HttpServerReply> refusal;
  std::shared_ptr<HttpBodySink> sink;
};

// TLS (libmicrohttpd's, through GnuTLS): the server's certificate chain and key as PEM text.
// Upgraded connections then reach their session through a socketpair libmicrohttpd relays, and
// one of UpgradedRelay.h (which sees the client go): sessions use read/write/send/recv/poll/
// shutdown only, never TCP socket options.
struct HttpServerTls {
  std::string certPem;
  std::string keyPem;
  bool enabled() const { return !certPem.empty(); }
};

struct HttpServerOptions {
  std::string address;  // HOST:PORT, [IPv6]:PORT or :PORT (every interface); port 0: a free one
  std::string flag;     // the option that sets it, for errors ("--metrics-address")
  std::chrono::seconds idleTimeout{5};
  std::chrono::seconds requestDeadline{10};
  // Bodies over this get the reply of `tooLarge` (their bytes are read and dropped, not kept).
  size_t maxBody = 1 << 20;
  std::function<HttpServerReply(const HttpServerRequest&)> tooLarge;  // null: a plain-text 413
  std::function<HttpBodyIntake(const HttpServerRequest&)> intake;     // null: every body in memory
  // A sink's body may pause longer (`docker save | agentctl image load`: docker computes first).
  std::chrono::seconds sinkIdleTimeout{60};
  // Connections at once, over all clients (each a descriptor: agentd raises its limit).
  unsigned connectionLimit = 8192;
  NetworkAllowList allow;  // empty: every source address
  HttpServerTls tls;       // empty: plain HTTP
};

class HttpServer {
 public:
  using Screen = std::function<std::optional<HttpServerReply>(const HttpServerRequest&)>;
  using Handler = std::function<HttpServerReply(const HttpServerRequest&)>;
  static Result<std::unique_ptr<HttpServer>> start(HttpServerOptions options, Screen screen, Handler handler);
  // Waits for handlers in flight (a handler cannot be cut from outside its thread) and, up to
  // 2 s, for their replies to be sent; then closes every connection. Idle: a few ms.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const { return port_; }
  // The host as given ("" for every interface), for URLs.
  const std::string& host() const { return host_; }

 private:
  struct Exchange;
  struct Connection;
  HttpServer(HttpServerOptions options, Screen screen, Handler handler);
  friend struct HttpServerCallbacks;  // libmicrohttpd's callbacks (HttpServer.cpp)
  void run(MHD_Connection* connection, Exchange* exchange);
  void sweep(std::stop_token stop);
  // `peer`: what the session cannot see on `socket` alone (UpgradedRelay.h).
  void upgraded(int socket, std::string early, UpgradedPeer peer, MHD_UpgradeResponseHandle* handle,
                std::function<void(int, std::string)> session);

  HttpServerOptions options_;
  Screen screen_;
  Handler handler_;
  MHD_Daemon* daemon_ = nullptr;
  uint16_t port_ = 0;
  std::string host_;
  // Connections still receiving a request, for the sweep (guarded by mutex_). An entry is
  // removed before libmicrohttpd closes its descriptor, so the sweep never cuts a reused one.
  std::mutex mutex_;
  std::unordered_set<Connection*> receiving_;
  std::condition_variable changed_;  // running_ or answering_ went down
  std::condition_variable_any sweepWait_;
  size_t running_ = 0;    // handler threads not yet done
  size_t answering_ = 0;  // requests given to a handler whose reply is not yet sent
  std::jthread sweeper_;
  // Upgraded connections' sockets while their sessions run (guarded by mutex_): shut down
  // at the server's end so that every session returns before the daemon stops.
  std::unordered_set<int> upgradedSockets_;
  size_t upgradedRunning_ = 0;
  std::atomic<bool> stopping_{false};  // set by the destructor: upgraded TLS streams close at once
};

}  // namespace agent
