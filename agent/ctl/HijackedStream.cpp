#include "HijackedStream.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <variant>

#include "HttpClient.h"
#include "InputFramer.h"
#include "InputFrames.h"
#include "TlsTunnel.h"

namespace agent::ctl {

namespace {

constexpr int kConnectSeconds = 10;

Result<UniqueFd> connectTo(const HttpUrl& url) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string host =
      url.host.size() > 2 && url.host.front() == '[' ? url.host.substr(1, url.host.size() - 2) : url.host;
  if (::getaddrinfo(host.c_str(), url.port.c_str(), &hints, &found) != 0 || found == nullptr)
    return tl::unexpected(Error{ECONNREFUSED, url.host, "resolve"});
  int err = ECONNREFUSED;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd.valid()) continue;
    timeval timeout{kConnectSeconds, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) {
      ::freeaddrinfo(found);
      timeval none{0, 0};
      ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none);
      if (!url.tls) return fd;
      return openTlsTunnel(std::move(fd), TlsPeer{url.host, url.tlsCa},
                           std::chrono::steady_clock::now() + std::chrono::seconds(kConnectSeconds));
    }
    err = errno;
  }
  ::freeaddrinfo(found);
  return tl::unexpected(Error{err == ETIMEDOUT || err == EINPROGRESS ? ETIMEDOUT : ECONNREFUSED,
                              url.host + ":" + url.port, "connect to"});
}

}  // namespace

Result<std::variant<HijackedStream, StreamRefused>> openHijackedStream(const Endpoint& endpoint,
                                                                       const std::string& path,
                                                                       const std::string& jsonBody) {
  auto url = endpointUrl(endpoint);
  if (!url) return tl::unexpected(url.error());
  auto fd = connectTo(*url);
  if (!fd) return tl::unexpected(unreachable(fd.error(), endpoint));
  std::string head = "POST " + url->prefix + path + " HTTP/1.1\r\nHost: " + url->host + ":" + url->port +
                     "\r\nAuthorization: Bearer " + endpoint.token + "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n" +
                     // Over TLS the end of stdin is a frame (InputFrames.h).
                     (url->tls ? std::string(kInputFramesHeader) + ": frames\r\n" : std::string()) +
                     (jsonBody.empty() ? std::string() : "Content-Type: application/json\r\n") +
                     "Content-Length: " + std::to_string(jsonBody.size()) + "\r\n\r\n" + jsonBody;
  for (std::string_view rest = head; !rest.empty();) {
    ssize_t n = ::send(fd->get(), rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return tl::unexpected(unreachable(Error{ECONNABORTED, endpoint.url, "send to"}, endpoint));
    rest.remove_prefix(static_cast<size_t>(n));
  }
  // The reply's head; a 101 is followed by the stream, anything else by a JSON body.
  std::string received;
  size_t end = std::string::npos;
  char buffer[4096];
  while ((end = received.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(fd->get(), buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return tl::unexpected(unreachable(Error{ECONNABORTED, endpoint.url, "read from"}, endpoint));
    received.append(buffer, static_cast<size_t>(n));
    if (received.size() > 64 * 1024) return tl::unexpected(Error{EPROTO, endpoint.url, "read a reply head from"});
  }
  if (received.rfind("HTTP/1.1 101", 0) == 0 || received.rfind("HTTP/1.0 101", 0) == 0) {
    UniqueFd stream = std::move(*fd);
    if (url->tls) {
      auto framed = frameInputOf(std::move(stream));
      if (!framed) return tl::unexpected(framed.error());
      stream = std::move(*framed);
    }
    return HijackedStream{std::move(stream), received.substr(end + 4), received.substr(0, end + 2)};
  }
  // Not upgraded: the whole reply, as any other.
  for (ssize_t n; (n = ::recv(fd->get(), buffer, sizeof buffer, 0)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    received.append(buffer, static_cast<size_t>(n));
    if (auto reply = parseHttpResponse(received); reply && !replyIsCutShort(received)) break;
  }
  auto reply = parseHttpResponse(received);
  if (!reply) return tl::unexpected(reply.error());
  StreamRefused refused;
  refused.status = reply->status;
  refused.body = nlohmann::json::parse(reply->body, nullptr, false);
  if (refused.body.is_discarded()) refused.body = nlohmann::json{{"error", reply->body}};
  return refused;
}

}  // namespace agent::ctl
