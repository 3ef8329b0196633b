#include "TlsTunnel.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

namespace agent::ctl {

namespace {

using Clock = std::chrono::steady_clock;

// The libssl functions used here (with libcrypto's, found through libssl's handle).
// clang-format realigns this list differently on each run: kept as written.
// clang-format off
#define AGENT_SSL_FUNCTIONS(X)                                                                  \
  X(TLS_client_method) X(SSL_CTX_new) X(SSL_CTX_free) X(SSL_CTX_ctrl) X(SSL_CTX_set_verify)     \
  X(SSL_CTX_load_verify_locations) X(SSL_CTX_set_default_verify_paths) X(SSL_new) X(SSL_free)   \
  X(SSL_set_fd) X(SSL_ctrl) X(SSL_set1_host) X(SSL_get0_param) X(X509_VERIFY_PARAM_set1_ip_asc) \
  X(SSL_connect) X(SSL_read) X(SSL_write) X(SSL_shutdown) X(SSL_get_error)                      \
  X(SSL_get_verify_result) X(X509_verify_cert_error_string) X(ERR_get_error)                    \
  X(ERR_error_string_n) X(ERR_clear_error)
// clang-format on

struct Ssl {
#define AGENT_SSL_MEMBER(name) decltype(&::name) name = nullptr;
  AGENT_SSL_FUNCTIONS(AGENT_SSL_MEMBER)
#undef AGENT_SSL_MEMBER
};

// What an SSL call that did not complete waits for (SSL_get_error's WANT_READ or WANT_WRITE),
// added to `events`; false when it will not complete (the session's or the connection's end).
bool waitFor(int sslError, short& events) {
  if (sslError == SSL_ERROR_WANT_READ)
    events |= POLLIN;
  else if (sslError == SSL_ERROR_WANT_WRITE)
    events |= POLLOUT;
  else
    return false;
  return true;
}

// Loaded once; null with `error` set when libssl is missing.
const Ssl* loadSsl(std::string& error) {
  static std::string failure;
  static const Ssl* loaded = [] {
    void* handle = ::dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      failure = ::dlerror();
      return static_cast<const Ssl*>(nullptr);
    }
    auto* ssl = new Ssl;
#define AGENT_SSL_LOAD(name)                                               \
  ssl->name = reinterpret_cast<decltype(&::name)>(::dlsym(handle, #name)); \
  if (ssl->name == nullptr) {                                              \
    failure = std::string("libssl.so.3 has no ") + #name;                  \
    return static_cast<const Ssl*>(nullptr);                               \
  }
    AGENT_SSL_FUNCTIONS(AGENT_SSL_LOAD)
#undef AGENT_SSL_LOAD
    return static_cast<const Ssl*>(ssl);
  }();
  error = failure;
  return loaded;
}

std::string lastSslError(const Ssl& ssl) {
  unsigned long code = ssl.ERR_get_error();
  if (code == 0) return "the connection closed during the handshake";
  char text[256];
  ssl.ERR_error_string_n(code, text, sizeof text);
  return text;
}

void setNonBlocking(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
}

int remainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// One session: the TCP socket, libssl's state and the local end of the socketpair.
struct Session {
  explicit Session(const Ssl& library) : ssl(library) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  const Ssl& ssl;
  SSL_CTX* ctx = nullptr;
  SSL* conn = nullptr;
  UniqueFd net;
  UniqueFd local;
  ~Session() {
    if (conn) ssl.SSL_free(conn);
    if (ctx) ssl.SSL_CTX_free(ctx);
  }

  Result<void> handshake(const TlsPeer& peer, Clock::time_point deadline) {
    std::string where = peer.host;
    while (true) {
      ssl.ERR_clear_error();
      int r = ssl.SSL_connect(conn);
      if (r == 1) return {};
      int why = ssl.SSL_get_error(conn, r);
      if (why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE) {
        pollfd p{net.get(), static_cast<short>(why == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
        int ready = ::poll(&p, 1, remainingMs(deadline));
        if (ready == 0) return userError("agentd at " + where + " did not finish the TLS handshake in time", ETIMEDOUT);
        continue;
      }
      long verified = ssl.SSL_get_verify_result(conn);
      if (verified == X509_V_ERR_HOSTNAME_MISMATCH || verified == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        return userError("the certificate of agentd at " + where + " is for another name or address (" +
                             ssl.X509_verify_cert_error_string(verified) +
                             "); give --api the name or address its api_tls_cert names (subjectAltName)",
                         EKEYREJECTED);
      }
      if (verified != X509_V_OK) {
        return userError("the certificate of agentd at " + where + " is not trusted (" +
                             ssl.X509_verify_cert_error_string(verified) + "); give --tls-ca (or AGENT_TLS_CA) " +
                             (peer.caFile.empty() ? std::string("the CA") : "a CA, not " + peer.caFile + ",") +
                             " that signed its api_tls_cert",
                         EKEYREJECTED);
      }
      return userError("no TLS session with agentd at " + where + " (" + lastSslError(ssl) +
                           "); does it serve https (api_tls_cert) on that port?",
                       ECONNABORTED);
    }
  }

  // Both ways until both have ended, or either end is gone.
  void relay() {
    std::string toNet, toLocal;
    bool localEnded = false, netEnded = false, closeNotifySent = false, localShut = false;
    char buffer[16 * 1024];
    while (!(netEnded && localShut && localEnded && closeNotifySent)) {
      bool moved = false;
      short netEvents = 0, localEvents = 0;
      if (!netEnded && toLocal.empty()) {
        int n = ssl.SSL_read(conn, buffer, sizeof buffer);
        if (n > 0) {
          toLocal.assign(buffer, static_cast<size_t>(n));
          moved = true;
        } else {
          if (!waitFor(ssl.SSL_get_error(conn, n), netEvents))
            netEnded = moved = true;  // close_notify, or the connection's end
        }
      }
      if (!toLocal.empty()) {
        ssize_t n = ::send(local.get(), toLocal.data(), toLocal.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
          toLocal.erase(0, static_cast<size_t>(n));
          moved = true;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
          localEvents |= POLLOUT;
        } else {
          return;  // the caller closed its socket
        }
      }
      if (netEnded && toLocal.empty() && !localShut) {
        ::shutdown(local.get(), SHUT_WR);
        localShut = moved = true;
      }
      if (!localEnded && toNet.empty()) {
        ssize_t n = ::recv(local.get(), buffer, sizeof buffer, MSG_DONTWAIT);
        if (n > 0) {
          toNet.assign(buffer, static_cast<size_t>(n));
          moved = true;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
          localEvents |= POLLIN;
        } else if (n == 0) {
          localEnded = moved = true;
        } else {
          return;
        }
      }
      if (!toNet.empty()) {
        int n = ssl.SSL_write(conn, toNet.data(), static_cast<int>(toNet.size()));
        if (n > 0) {
          toNet.erase(0, static_cast<size_t>(n));
          moved = true;
        } else if (!waitFor(ssl.SSL_get_error(conn, n), netEvents)) {
          // agentd takes no more (its stream ended while input was still coming: it closed
          // with input unread). What it sent before is read on to its end; the caller's
          // further input is dropped.
          toNet.clear();
          localEnded = closeNotifySent = moved = true;
        }
      }
      if (localEnded && toNet.empty() && !closeNotifySent) {
        // The caller's shutdown(SHUT_WR): TLS 1.3 lets the other way go on after close_notify.
        int r = ssl.SSL_shutdown(conn);
        int why = r < 0 ? ssl.SSL_get_error(conn, r) : SSL_ERROR_NONE;
        if (why == SSL_ERROR_WANT_WRITE) {
          netEvents |= POLLOUT;
        } else {
          closeNotifySent = moved = true;
        }
      }
      if (moved) continue;
      pollfd fds[2] = {{net.get(), netEvents, 0}, {local.get(), localEvents, 0}};
      if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
      if (fds[1].revents & (POLLERR | POLLNVAL)) return;
    }
  }
};

bool isIpAddress(const std::string& host) {
  unsigned char bytes[16];
  return ::inet_pton(AF_INET, host.c_str(), bytes) == 1 || ::inet_pton(AF_INET6, host.c_str(), bytes) == 1;
}

}  // namespace

Result<UniqueFd> openTlsTunnel(UniqueFd tcp, const TlsPeer& peer, Clock::time_point deadline) {
  std::string loadError;
  const Ssl* ssl = loadSsl(loadError);
  if (ssl == nullptr) return userError("https needs OpenSSL's libssl (" + loadError + "); install libssl3", ENOKEY);
  bool blocking = !(::fcntl(tcp.get(), F_GETFL) & O_NONBLOCK);
  auto session = std::make_unique<Session>(*ssl);
  session->net = std::move(tcp);
  setNonBlocking(session->net.get(), true);
  session->ctx = ssl->SSL_CTX_new(ssl->TLS_client_method());
  if (session->ctx == nullptr)
    return userError("OpenSSL could not make a TLS context (" + lastSslError(*ssl) + ")", ENOKEY);
  ssl->SSL_CTX_ctrl(session->ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, nullptr);
  // SSL_write may take part of a buffer, and the rest from a moved buffer later.
  ssl->SSL_CTX_ctrl(session->ctx, SSL_CTRL_MODE, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER,
                    nullptr);
  ssl->SSL_CTX_set_verify(session->ctx, SSL_VERIFY_PEER, nullptr);
  if (!peer.caFile.empty()) {
    if (ssl->SSL_CTX_load_verify_locations(session->ctx, peer.caFile.c_str(), nullptr) != 1)
      return userError("cannot read the CA file " + peer.caFile + " (" + lastSslError(*ssl) +
                           "); give --tls-ca (or AGENT_TLS_CA) a PEM file of CA certificates",
                       ENOKEY);
  } else {
    ssl->SSL_CTX_set_default_verify_paths(session->ctx);
  }
  session->conn = ssl->SSL_new(session->ctx);
  if (session->conn == nullptr)
    return userError("OpenSSL could not make a TLS session (" + lastSslError(*ssl) + ")", ENOKEY);
  ssl->SSL_set_fd(session->conn, session->net.get());
  if (isIpAddress(peer.host)) {
    ssl->X509_VERIFY_PARAM_set1_ip_asc(ssl->SSL_get0_param(session->conn), peer.host.c_str());
  } else {
    ssl->SSL_ctrl(session->conn, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(peer.host.c_str()));
    ssl->SSL_set1_host(session->conn, peer.host.c_str());
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return systemError("socketpair", "");
  UniqueFd caller(pair[0]);
  session->local = UniqueFd(pair[1]);
  setNonBlocking(session->local.get(), true);
  if (!blocking) setNonBlocking(caller.get(), true);

  // The handshake and the relay on one thread, with SIGPIPE blocked there: libssl writes with
  // write(2), and a peer gone must be EPIPE, not agentctl's end.
  std::promise<Result<void>> handshaken;
  auto result = handshaken.get_future();
  std::thread([session = std::move(session), peer, deadline, handshaken = std::move(handshaken)]() mutable {
    sigset_t pipe;
    ::sigemptyset(&pipe);
    ::sigaddset(&pipe, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    auto done = session->handshake(peer, deadline);
    bool ok = done.has_value();
    handshaken.set_value(std::move(done));
    if (ok) session->relay();
  }).detach();
  if (auto done = result.get(); !done) return tl::unexpected(done.error());
  return caller;
}

}  // namespace agent::ctl
