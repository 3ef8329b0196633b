#include "HttpServer.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "HttpReplyChannel.h"

namespace agent {

namespace {

using Clock = std::chrono::steady_clock;

const std::shared_ptr<const std::string>& emptyBody() {
  static const auto empty = std::make_shared<const std::string>();
  return empty;
}

MHD_Result queue(MHD_Connection* connection, const HttpServerReply& reply) {
  // The response holds a reference to the bytes until libmicrohttpd has sent them.
  auto* body = new std::shared_ptr<const std::string>(reply.body ? reply.body : emptyBody());
  MHD_Response* response = MHD_create_response_from_buffer_with_free_callback_cls(
      (*body)->size(), const_cast<char*>((*body)->data()),
      [](void* held) { delete static_cast<std::shared_ptr<const std::string>*>(held); }, body);
  if (response == nullptr) {
    delete body;
    return MHD_NO;
  }
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply.contentType.c_str());
  for (const auto& [name, value] : reply.headers) MHD_add_response_header(response, name.c_str(), value.c_str());
  MHD_Result result = MHD_queue_response(connection, static_cast<unsigned>(reply.status), response);
  MHD_destroy_response(response);
  return result;
}

HttpServerReply textReply(int status, std::string text) {
  HttpServerReply reply;
  reply.status = status;
  reply.body = std::make_shared<const std::string>(std::move(text) + "\n");
  return reply;
}

MHD_Result collectHeader(void* into, MHD_ValueKind, const char* name, const char* value) {
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  (*static_cast<std::map<std::string, std::string>*>(into))[key] = value ? value : "";
  return MHD_YES;
}

MHD_Result collectArgument(void* into, MHD_ValueKind, const char* name, const char* value) {
  static_cast<std::vector<std::pair<std::string, std::string>>*>(into)->emplace_back(name, value ? value : "1");
  return MHD_YES;
}

void logToSpdlog(void*, const char* format, va_list arguments) {
  char line[512];
  std::vsnprintf(line, sizeof line, format, arguments);
  std::string text(line);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  spdlog::debug("msg=\"http server\" detail=\"{}\"", text);
}

// HOST:PORT, [IPv6]:PORT or :PORT into a socket address.
Result<sockaddr_storage> bindAddress(const std::string& address, const std::string& flag, std::string& host) {
  auto bad = [&](const std::string& why) {
    return userError("the address \"" + address + "\" " + why + "; give " + flag + " as HOST:PORT or :PORT", EINVAL);
  };
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return bad("has no port");
  host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  char* end = nullptr;
  unsigned long number = std::strtoul(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || number > 65535) return bad("has no port from 0 to 65535");
  sockaddr_storage storage{};
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    auto* six = reinterpret_cast<sockaddr_in6*>(&storage);
    six->sin6_family = AF_INET6;
    six->sin6_port = htons(static_cast<uint16_t>(number));
    if (::inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &six->sin6_addr) != 1)
      return bad("has no IPv6 address in its []");
    return storage;
  }
  auto* four = reinterpret_cast<sockaddr_in*>(&storage);
  four->sin_family = AF_INET;
  four->sin_port = htons(static_cast<uint16_t>(number));
  if (host.empty() || host == "0.0.0.0") {
    four->sin_addr.s_addr = htonl(INADDR_ANY);
  } else if (host == "localhost") {
    four->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  } else if (::inet_pton(AF_INET, host.c_str(), &four->sin_addr) != 1) {
    return bad("has no IPv4 address (or [IPv6]) as its host");
  }
  return storage;
}

}  // namespace

std::string HttpServerRequest::header(const std::string& lowerCaseName) const {
  auto it = headers.find(lowerCaseName);
  return it == headers.end() ? "" : it->second;
}

// One connection: while it receives a request, the sweep may cut it.
struct HttpServer::Connection {
  int fd = -1;
  bool upgraded = false;    // left HTTP: no request deadline any more
  Clock::time_point since;  // when its request began: the connection's start, or the last reply
};

// One request, from its head to its reply.
struct HttpServer::Exchange {
  HttpServerRequest request;
  bool tooLarge = false;
  bool started = false;                    // handed to the handler (the connection is suspended)
  bool queued = false;                     // a reply is on its way: what more arrives of the body is dropped
  std::optional<HttpServerReply> refusal;  // by the body's sink: sent once the body is in
  HttpServerReply reply;
  std::shared_ptr<HttpReplyChannel> channel;  // reply.stream's body
};

// A TLS connection's memory pool (see MHD_OPTION_CONNECTION_MEMORY_LIMIT below).
constexpr size_t kTlsConnectionMemory = 64 * 1024;

struct HttpServerCallbacks {
  static HttpServer::Connection* connectionOf(MHD_Connection* connection) {
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? static_cast<HttpServer::Connection*>(info->socket_context) : nullptr;
  }

  static void notifyConnection(void* self, MHD_Connection* connection, void** context,
                               MHD_ConnectionNotificationCode what) {
    auto* server = static_cast<HttpServer*>(self);
    std::lock_guard lock(server->mutex_);
    if (what == MHD_CONNECTION_NOTIFY_STARTED) {
      auto* state = new HttpServer::Connection;
      const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
      state->fd = info ? info->connect_fd : -1;
      state->since = Clock::now();
      *context = state;
      server->receiving_.insert(state);
    } else if (auto* state = static_cast<HttpServer::Connection*>(*context)) {
      // Before libmicrohttpd closes the descriptor: the sweep cannot reach it any more.
      server->receiving_.erase(state);
      delete state;
      *context = nullptr;
    }
  }

  static void completed(void* self, MHD_Connection* connection, void** context, MHD_RequestTerminationCode) {
    auto* server = static_cast<HttpServer*>(self);
    auto* exchange = static_cast<HttpServer::Exchange*>(*context);
    if (exchange != nullptr && exchange->started) {
      std::lock_guard lock(server->mutex_);
      --server->answering_;
      server->changed_.notify_all();
    }
    delete exchange;
    *context = nullptr;
    // A kept-alive connection's next request gets the same deadline from now.
    if (auto* state = connectionOf(connection)) {
      std::lock_guard lock(server->mutex_);
      state->since = Clock::now();
      if (!state->upgraded) server->receiving_.insert(state);
    }
  }

  static MHD_Result acceptPolicy(void* self, const sockaddr* address, socklen_t) {
    auto* server = static_cast<HttpServer*>(self);
    if (server->options_.allow.allows(address)) return MHD_YES;
    char source[INET6_ADDRSTRLEN] = "?";
    const void* bytes = address->sa_family == AF_INET6
                            ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr)
                            : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(address)->sin_addr);
    ::inet_ntop(address->sa_family, bytes, source, sizeof source);
    spdlog::debug("msg=\"connection closed at accept: its source is outside the allowed networks\" source={} listen={}",
                  source, server->options_.address);
    return MHD_NO;
  }

  static MHD_Result access(void* self, MHD_Connection* connection, const char* url, const char* method, const char*,
                           const char* upload, size_t* uploadSize, void** context) {
    auto* server = static_cast<HttpServer*>(self);
    auto* exchange = static_cast<HttpServer::Exchange*>(*context);
    if (exchange == nullptr) {  // the head is in
      exchange = new HttpServer::Exchange;
      *context = exchange;
      HttpServerRequest& request = exchange->request;
      request.method = method;
      request.path = url;
      MHD_get_connection_values(connection, MHD_HEADER_KIND, &collectHeader, &request.headers);
      MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, &collectArgument, &request.query);
      if (server->screen_) {
        if (auto reply = server->screen_(request)) return finish(server, connection, exchange, *reply);
      }
      if (server->options_.intake) {
        HttpBodyIntake intake = server->options_.intake(request);
        if (intake.refusal) return finish(server, connection, exchange, *intake.refusal);
        if (intake.sink) {
          request.sink = std::move(intake.sink);
          received(server, connection);  // its own bounds (HttpBodySink): no deadline
          MHD_set_connection_option(connection, MHD_CONNECTION_OPTION_TIMEOUT,
                                    static_cast<unsigned>(server->options_.sinkIdleTimeout.count()));
          return MHD_YES;
        }
      }
      std::string length = request.header("content-length");
      if (!length.empty() && std::strtoull(length.c_str(), nullptr, 10) > server->options_.maxBody)
        return finish(server, connection, exchange, tooLarge(server, request));
      return MHD_YES;
    }
    if (exchange->queued) {
      *uploadSize = 0;
      return MHD_YES;
    }
    if (*uploadSize > 0 && (exchange->request.sink || exchange->refusal)) {
      // A refusal cannot be queued mid-body (libmicrohttpd refuses): it goes once the body is in.
      if (!exchange->refusal) exchange->refusal = exchange->request.sink->write(upload, *uploadSize);
      if (exchange->refusal) exchange->request.sink.reset();  // what it kept goes now
      *uploadSize = 0;
      return MHD_YES;
    }
    if (*uploadSize > 0) {  // a piece of the body
      if (!exchange->tooLarge && exchange->request.body.size() + *uploadSize > server->options_.maxBody) {
        exchange->tooLarge = true;
        std::string().swap(exchange->request.body);
      }
      if (!exchange->tooLarge) exchange->request.body.append(upload, *uploadSize);
      *uploadSize = 0;
      return MHD_YES;
    }
    if (!exchange->started) {  // all of it is in
      if (exchange->tooLarge) return finish(server, connection, exchange, tooLarge(server, exchange->request));
      if (exchange->refusal) return finish(server, connection, exchange, *exchange->refusal);
      exchange->started = true;
      received(server, connection);
      MHD_suspend_connection(connection);
      server->run(connection, exchange);
      return MHD_YES;
    }
    exchange->queued = true;
    if (exchange->reply.upgrade) return queueUpgrade(server, connection, exchange->reply);
    if (exchange->channel) return queueStream(connection, exchange->reply, exchange->channel);
    return queue(connection, exchange->reply);  // resumed: the handler's reply
  }

  // A 101 whose connection becomes `reply.upgrade`'s once the head is out.
  static MHD_Result queueUpgrade(HttpServer* server, MHD_Connection* connection, const HttpServerReply& reply) {
    MHD_Response* response = MHD_create_response_for_upgrade(&upgraded, server);
    if (response == nullptr) return MHD_NO;
    for (const auto& [name, value] : reply.headers) MHD_add_response_header(response, name.c_str(), value.c_str());
    MHD_Result result = MHD_queue_response(connection, MHD_HTTP_SWITCHING_PROTOCOLS, response);
    MHD_destroy_response(response);
    return result;
  }
  // The head now; the body as the handler's thread writes it (HttpReplyChannel).
  static MHD_Result queueStream(MHD_Connection* connection, const HttpServerReply& reply,
                                std::shared_ptr<HttpReplyChannel> channel) {
    MHD_Response* response = HttpReplyChannel::response(std::move(channel));
    if (response == nullptr) return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply.contentType.c_str());
    for (const auto& [name, value] : reply.headers) MHD_add_response_header(response, name.c_str(), value.c_str());
    MHD_Result result = MHD_queue_response(connection, static_cast<unsigned>(reply.status), response);
    MHD_destroy_response(response);
    return result;
  }

  // On the epoll thread, once the 101 head was sent: must not block.
  // `context` is the request's Exchange, still alive here: its session is copied out.
  static void upgraded(void* cls, MHD_Connection* connection, void* context, const char* extra, size_t extraSize,
                       MHD_socket socket, MHD_UpgradeResponseHandle* handle) {
    auto* server = static_cast<HttpServer*>(cls);
    if (auto* state = connectionOf(connection)) {
      std::lock_guard lock(server->mutex_);
      state->upgraded = true;
      server->receiving_.erase(state);
    }
    auto* exchange = static_cast<HttpServer::Exchange*>(context);
    UpgradedPeer peer;
    peer.framedInput = exchange->request.header("agent-stream-input") == "frames";
    if (server->options_.tls.enabled()) {
      const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
      peer.tcp = info ? info->connect_fd : -1;
    }
    server->upgraded(socket, std::string(extra, extraSize), peer, handle, exchange->reply.upgrade);
  }

  // A reply decided on the epoll thread: the request needs no more time.
  static MHD_Result finish(HttpServer* server, MHD_Connection* connection, HttpServer::Exchange* exchange,
                           const HttpServerReply& reply) {
    received(server, connection);
    exchange->queued = true;
    return queue(connection, reply);
  }

  static HttpServerReply tooLarge(HttpServer* server, const HttpServerRequest& request) {
    if (server->options_.tooLarge) return server->options_.tooLarge(request);
    return textReply(413, "the request's body is over " + std::to_string(server->options_.maxBody) + " bytes");
  }

  static void received(HttpServer* server, MHD_Connection* connection) {
    if (auto* state = connectionOf(connection)) {
      std::lock_guard lock(server->mutex_);
      server->receiving_.erase(state);
    }
  }
};

HttpServer::HttpServer(HttpServerOptions options, Screen screen, Handler handler)
    : options_(std::move(options)), screen_(std::move(screen)), handler_(std::move(handler)) {}

Result<std::unique_ptr<HttpServer>> HttpServer::start(HttpServerOptions options, Screen screen, Handler handler) {
  std::string host;
  auto address = bindAddress(options.address, options.flag, host);
  if (!address) return tl::unexpected(address.error());
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(options), std::move(screen), std::move(handler)));
  server->host_ = host;
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_ALLOW_UPGRADE;
  if (address->ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  // TLS 1.2 and 1.3 only; the PEM text is copied by libmicrohttpd at the start.
  std::vector<MHD_OptionItem> tls;
  if (server->options_.tls.enabled()) {
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
      return userError("this libmicrohttpd has no TLS; install one built with GnuTLS (Debian's is)", ENOTSUP);
    flags |= MHD_USE_TLS;
    tls.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char*>(server->options_.tls.certPem.c_str())});
    tls.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(server->options_.tls.keyPem.c_str())});
    tls.push_back({MHD_OPTION_HTTPS_PRIORITIES, 0, const_cast<char*>("NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2")});
  }
  tls.push_back({MHD_OPTION_END, 0, nullptr});
  HttpServer* self = server.get();
  server->daemon_ = MHD_start_daemon(
      flags, 0, &HttpServerCallbacks::acceptPolicy, self, &HttpServerCallbacks::access, self, MHD_OPTION_SOCK_ADDR,
      reinterpret_cast<sockaddr*>(&*address), MHD_OPTION_CONNECTION_TIMEOUT,
      static_cast<unsigned>(server->options_.idleTimeout.count()), MHD_OPTION_CONNECTION_LIMIT,
      server->options_.connectionLimit, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
      // Each connection's buffer for its head (and the body's pieces): 8 KiB (a quarter of the
      // default; as much as nginx allows a header line) is 8 times the largest head agentctl or
      // Prometheus sends. 2000 connections held open, half of them cut and reopened meanwhile,
      // cost agentd 16-18 MiB at 16 KiB and 13-15 MiB at 8 KiB (e2e SlowClientE2E). Over TLS,
      // an upgraded stream's relay buffers are what the head left of it: at 8 KiB nothing was
      // left, and libmicrohttpd fell back to 4 bytes each way (3 MiB took 2.7 s, and output
      // written as the stream ended was lost); 64 KiB leaves them about 28 KiB each.
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, server->options_.tls.enabled() ? kTlsConnectionMemory : size_t{8192},
      MHD_OPTION_NOTIFY_CONNECTION, &HttpServerCallbacks::notifyConnection, self, MHD_OPTION_NOTIFY_COMPLETED,
      &HttpServerCallbacks::completed, self, MHD_OPTION_EXTERNAL_LOGGER, &logToSpdlog, nullptr, MHD_OPTION_ARRAY,
      tls.data(), MHD_OPTION_END);
  if (server->daemon_ == nullptr && server->options_.tls.enabled()) {
    return userError("cannot listen on " + server->options_.address +
                         " with TLS: the port is taken, or api_tls_cert and api_tls_key are not a certificate and "
                         "its private key (PEM, unencrypted); check both files and " +
                         server->options_.flag,
                     EINVAL);
  }
  if (server->daemon_ == nullptr) {
    return userError("cannot listen on " + server->options_.address +
                         ": the port is taken, or the host is not an address of this machine; give another " +
                         server->options_.flag + " (port 0 picks a free one)",
                     EADDRINUSE);
  }
  const MHD_DaemonInfo* bound = MHD_get_daemon_info(server->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = bound ? bound->port : 0;
  server->sweeper_ = std::jthread([self](std::stop_token stop) { self->sweep(stop); });
  return server;
}

void HttpServer::run(MHD_Connection* connection, Exchange* exchange) {
  {
    std::lock_guard lock(mutex_);
    ++running_;
    ++answering_;
  }
  std::thread([this, connection, exchange] {
    try {
      exchange->reply = handler_(exchange->request);
    } catch (const std::exception& e) {
      // A bad request must never take the agent down.
      exchange->reply = textReply(500, std::string("internal error: ") + e.what());
    }
    auto stream = std::move(exchange->reply.stream);
    std::shared_ptr<HttpReplyChannel> channel;
    if (stream) exchange->channel = channel = std::make_shared<HttpReplyChannel>(connection);
    // Not under mutex_: libmicrohttpd takes its own locks here. The connection stays
    // suspended (and valid) until this call; `exchange` is not touched after it.
    MHD_resume_connection(connection);
    if (channel) {
      try {
        stream(*channel);
      } catch (const std::exception& e) {
        spdlog::warn("msg=\"a streamed reply failed\" error=\"{}\"", e.what());
      }
      channel->close();
    }
    std::lock_guard lock(mutex_);
    --running_;
    changed_.notify_all();
  }).detach();
}

void HttpServer::upgraded(int socket, std::string early, UpgradedPeer peer, MHD_UpgradeResponseHandle* handle,
                          std::function<void(int, std::string)> session) {
  {
    std::lock_guard lock(mutex_);
    upgradedSockets_.insert(socket);
    ++upgradedRunning_;
  }
  std::thread([this, socket, early = std::move(early), peer, handle, session = std::move(session)]() mutable {
    // Framed input, or TLS (whose client's going libmicrohttpd does not pass on): a relay
    // between, and the session gets its end (UpgradedRelay.h).
    std::unique_ptr<UpgradedRelay> relay;
    int sessionSocket = socket;
    if (peer.framedInput || peer.tcp >= 0) {
      auto started = UpgradedRelay::start(socket, std::move(early), peer);
      if (started) {
        relay = std::move(*started);
        sessionSocket = relay->sessionSocket();
        early.clear();
      } else {
        spdlog::warn("msg=\"an upgraded connection got no relay; it is closed\" error=\"{}\"",
                     started.error().message());
        sessionSocket = -1;
      }
    }
    if (sessionSocket >= 0) {
      {
        std::lock_guard lock(mutex_);
        upgradedSockets_.insert(sessionSocket);
      }
      try {
        session(sessionSocket, std::move(early));
      } catch (const std::exception& e) {
        spdlog::warn("msg=\"an upgraded connection's session failed\" error=\"{}\"", e.what());
      }
      std::lock_guard lock(mutex_);
      upgradedSockets_.erase(sessionSocket);
    }
    relay.reset();  // the session's last output goes out first
    if (peer.tcp >= 0) awaitRelayDrained(socket, peer.tcp, stopping_);
    {
      std::lock_guard lock(mutex_);
      upgradedSockets_.erase(socket);  // before libmicrohttpd may reuse the number
    }
    MHD_upgrade_action(handle, MHD_UPGRADE_ACTION_CLOSE);
    std::lock_guard lock(mutex_);
    --upgradedRunning_;
    changed_.notify_all();
  }).detach();
}

void HttpServer::sweep(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!sweepWait_.wait_for(lock, stop, std::chrono::milliseconds(250), [] { return false; }) &&
         !stop.stop_requested()) {
    auto tooOld = Clock::now() - options_.requestDeadline;
    for (auto it = receiving_.begin(); it != receiving_.end();) {
      if ((*it)->since < tooOld) {
        // The epoll thread sees the end of the stream and closes the connection.
        ::shutdown((*it)->fd, SHUT_RDWR);
        it = receiving_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

HttpServer::~HttpServer() {
  if (daemon_ == nullptr) return;
  {
    std::unique_lock lock(mutex_);
    // Upgraded sessions (a terminal's stream) end with the server: their clients see the end.
    stopping_ = true;
    for (int socket : upgradedSockets_) ::shutdown(socket, SHUT_RDWR);
    changed_.wait(lock, [this] { return upgradedRunning_ == 0; });
    changed_.wait(lock, [this] { return running_ == 0; });
    // The replies handlers gave are sent from the epoll thread: a `stop -t 4` in flight when
    // agentd was told to stop gets its answer. A client that does not read is not waited for.
    changed_.wait_for(lock, std::chrono::seconds(2), [this] { return answering_ == 0; });
  }
  sweeper_.request_stop();
  if (sweeper_.joinable()) sweeper_.join();
  // Every suspended connection was resumed by its handler thread, as libmicrohttpd requires.
  MHD_stop_daemon(daemon_);
}

}  // namespace agent
