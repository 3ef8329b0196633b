#include "HttpClient.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <optional>

#include "TextParse.h"
#include "TlsTunnel.h"
#include "UniqueFd.h"

namespace agent::ctl {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxReply = 64u << 20;  // far above any API reply; a bound against a runaway peer

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// The chunked transfer coding (RFC 9112 section 7.1), without trailers.
Result<std::string> decodeChunked(std::string_view data) {
  std::string body;
  while (true) {
    size_t eol = data.find("\r\n");
    if (eol == std::string_view::npos) return logicError("read agentd's reply (a chunk is cut short)", "", EPROTO);
    std::string_view sizeText = data.substr(0, std::min(eol, data.find(';')));
    size_t size = 0;
    auto [end, ec] = std::from_chars(sizeText.data(), sizeText.data() + sizeText.size(), size, 16);
    if (ec != std::errc() || end == sizeText.data())
      return logicError("read agentd's reply (bad chunk size)", std::string(sizeText), EPROTO);
    data.remove_prefix(eol + 2);
    if (size == 0) return body;
    if (data.size() < size + 2) return logicError("read agentd's reply (a chunk is cut short)", "", EPROTO);
    body.append(data.substr(0, size));
    data.remove_prefix(size + 2);
  }
}

int remainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

Result<void> waitFor(int fd, short events, Clock::time_point deadline, const std::string& what) {
  while (true) {
    pollfd p{fd, events, 0};
    int ready = ::poll(&p, 1, remainingMs(deadline));
    if (ready > 0) return {};
    if (ready == 0) return logicError(what + " (agentd did not answer in time)", "", ETIMEDOUT);
    if (errno != EINTR) return systemError(what, "");
  }
}

Result<UniqueFd> connectTcp(const HttpUrl& url, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found) != 0 || found == nullptr) {
    return userError("the host name `" + url.host + "` of agentd's address does not resolve", ECONNREFUSED);
  }
  int lastErrno = ECONNREFUSED;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol));
    if (!fd.valid()) continue;
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) {
      ::freeaddrinfo(found);
      return fd;
    }
    if (errno == EINPROGRESS) {
      auto writable = waitFor(fd.get(), POLLOUT, deadline, "connect to agentd");
      int err = 0;
      socklen_t len = sizeof err;
      if (writable && ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        ::freeaddrinfo(found);
        return fd;
      }
      lastErrno = writable ? err : ETIMEDOUT;
    } else {
      lastErrno = errno;
    }
  }
  ::freeaddrinfo(found);
  return systemError("connect to agentd at", url.host + ":" + url.port, lastErrno);
}

Result<UniqueFd> connectTo(const HttpUrl& url, Clock::time_point deadline) {
  auto tcp = connectTcp(url, deadline);
  if (!tcp || !url.tls) return tcp;
  return openTlsTunnel(std::move(*tcp), TlsPeer{url.host, url.tlsCa}, deadline);
}

tl::unexpected<Error> badUrl(std::string_view url, const std::string& why) {
  return userError("agentd's address \"" + std::string(url) + "\" is not a URL agentctl can use: " + why +
                       "; give it as http://HOST:PORT or https://HOST:PORT (what agentd wrote to STATE_DIR/api)",
                   EINVAL);
}

tl::unexpected<Error> connectionCut() {
  return userError("agentd closed the connection before answering (it stopped or restarted?)", ECONNABORTED);
}

}  // namespace

std::string HttpReply::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equalsIgnoringCase(key, name)) return value;
  }
  return "";
}

bool replyIsCutShort(std::string_view raw) {
  constexpr std::string_view prefix = "HTTP/";
  if (raw.substr(0, std::min(raw.size(), prefix.size())) != prefix.substr(0, std::min(raw.size(), prefix.size())))
    return false;  // not HTTP at all: a different fault
  size_t headerEnd = raw.find("\r\n\r\n");
  if (headerEnd == std::string_view::npos) return true;
  auto reply = parseHttpResponse(raw);
  return !reply && reply.error().action.find("cut short") != std::string::npos;
}

Result<HttpUrl> parseHttpUrl(std::string_view url) {
  constexpr std::string_view plain = "http://", secure = "https://";
  bool tls = url.substr(0, secure.size()) == secure;
  if (!tls && url.substr(0, plain.size()) != plain) return badUrl(url, "it starts with neither http:// nor https://");
  std::string_view rest = url.substr(tls ? secure.size() : plain.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HttpUrl parsed;
  parsed.tls = tls;
  if (slash != std::string_view::npos) parsed.prefix = std::string(rest.substr(slash));
  while (!parsed.prefix.empty() && parsed.prefix.back() == '/') parsed.prefix.pop_back();
  std::string_view host = authority, port = tls ? "443" : "80";
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return badUrl(url, "its [ is not closed");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return badUrl(url, "something other than :PORT follows its ]");
      port = after.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  auto portNumber = text::toU64(port);
  if (host.empty() || !portNumber || *portNumber == 0 || *portNumber > 65535) {
    return badUrl(url, "it has no host, or no port from 1 to 65535");
  }
  parsed.host = std::string(host);
  parsed.port = std::string(port);
  return parsed;
}

Result<HttpReply> parseHttpResponse(std::string_view raw) {
  size_t headerEnd = raw.find("\r\n\r\n");
  if (raw.substr(0, 5) != "HTTP/" || headerEnd == std::string_view::npos) {
    return logicError("read agentd's reply (not an HTTP response)", "", EPROTO);
  }
  std::string_view head = raw.substr(0, headerEnd);
  std::string_view body = raw.substr(headerEnd + 4);
  std::string_view statusLine = head.substr(0, head.find("\r\n"));
  std::string_view rest = statusLine;
  (void)text::nextField(rest);
  auto status = text::toU64(text::nextField(rest));
  if (!status || *status < 100 || *status > 999)
    return logicError("read agentd's reply (bad status line)", std::string(statusLine), EPROTO);

  HttpReply reply;
  reply.status = static_cast<int>(*status);
  bool chunked = false;
  std::optional<size_t> length;
  size_t lineStart = statusLine.size() + 2;
  while (lineStart < head.size()) {
    size_t lineEnd = head.find("\r\n", lineStart);
    std::string_view line = head.substr(lineStart, lineEnd == std::string_view::npos ? lineEnd : lineEnd - lineStart);
    lineStart = lineEnd == std::string_view::npos ? head.size() : lineEnd + 2;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon);
    std::string_view value = text::trim(line.substr(colon + 1));
    reply.headers.emplace_back(name, value);
    if (equalsIgnoringCase(name, "content-length")) {
      auto n = text::toU64(value);
      if (!n) return logicError("read agentd's reply (bad Content-Length)", std::string(value), EPROTO);
      length = static_cast<size_t>(*n);
    } else if (equalsIgnoringCase(name, "transfer-encoding") && value.find("chunked") != std::string_view::npos) {
      chunked = true;
    }
  }
  if (chunked) {
    auto decoded = decodeChunked(body);
    if (!decoded) return tl::unexpected(decoded.error());
    reply.body = std::move(*decoded);
  } else if (length) {
    if (body.size() < *length) return logicError("read agentd's reply (cut short)", "", EPROTO);
    reply.body = std::string(body.substr(0, *length));
  } else {
    reply.body = std::string(body);
  }
  return reply;
}

Result<UniqueFd> httpConnect(const HttpUrl& url, std::chrono::milliseconds timeout) {
  return connectTo(url, Clock::now() + timeout);
}

Result<HttpReply> httpExchange(const HttpUrl& url, const HttpRequestLine& request, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  auto fd = connectTo(url, deadline);
  if (!fd) return tl::unexpected(fd.error());

  std::string message = request.method + " " + url.prefix + request.path + " HTTP/1.1\r\nHost: " + url.host + ":" +
                        url.port + "\r\nConnection: close\r\nContent-Length: " + std::to_string(request.body.size()) +
                        "\r\n";
  for (const auto& [name, value] : request.headers) message += name + ": " + value + "\r\n";
  message += "\r\n";
  message += request.body;
  std::string_view unsent = message;
  while (!unsent.empty()) {
    ssize_t n = ::send(fd->get(), unsent.data(), unsent.size(), MSG_NOSIGNAL);
    if (n > 0) {
      unsent.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno == EAGAIN) {
      if (auto w = waitFor(fd->get(), POLLOUT, deadline, "send to agentd"); !w) return tl::unexpected(w.error());
    } else if (errno == ECONNRESET || errno == EPIPE) {
      return connectionCut();  // agentd closed it while stopping: as a cut reply
    } else if (errno != EINTR) {
      return systemError("send to agentd", url.host + ":" + url.port);
    }
  }

  // agentd closes the connection after each reply (Connection: close).
  std::string raw;
  char chunk[16384];
  while (true) {
    ssize_t n = ::recv(fd->get(), chunk, sizeof chunk, 0);
    if (n > 0) {
      raw.append(chunk, static_cast<size_t>(n));
      if (raw.size() > kMaxReply) return logicError("read agentd's reply (too large)", "", EMSGSIZE);
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN) {
      if (auto r = waitFor(fd->get(), POLLIN, deadline, "read agentd's reply"); !r) return tl::unexpected(r.error());
    } else if (errno == ECONNRESET) {
      return connectionCut();
    } else if (errno != EINTR) {
      return systemError("read agentd's reply", url.host + ":" + url.port);
    }
  }
  // The connection closed before a whole reply: agentd ended (or was stopped) meanwhile.
  if (replyIsCutShort(raw)) return connectionCut();
  return parseHttpResponse(raw);
}

}  // namespace agent::ctl
