#include "HttpUpload.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "ChunkedDecoder.h"
#include "UniqueFd.h"

namespace agent::ctl {

namespace {

tl::unexpected<Error> cut() {
  return userError("agentd closed the connection before answering (it stopped or restarted?)", ECONNABORTED);
}

// POLLIN/POLLOUT as asked, or an error (ETIMEDOUT after `idle`).
Result<short> waitFor(int fd, short events, std::chrono::milliseconds idle, const std::string& what) {
  while (true) {
    pollfd p{fd, events, 0};
    int ready = ::poll(&p, 1, static_cast<int>(idle.count()));
    if (ready > 0) return p.revents;
    if (ready == 0) return logicError(what + " (agentd took nothing and sent nothing in time)", "", ETIMEDOUT);
    if (errno != EINTR) return systemError(what, "");
  }
}

bool isChunked(std::string_view head) {
  std::string lower(head);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t at = lower.find("\r\ntransfer-encoding:");
  if (at == std::string::npos) return false;
  size_t end = lower.find("\r\n", at + 2);
  return lower.substr(at, end - at).find("chunked") != std::string::npos;
}

// The head and what the body sends before agentd answers or the body ends.
Result<void> sendRequest(int socket, std::string out, int bodyFd, bool chunked, const std::string& bodyName,
                         std::chrono::milliseconds idle) {
  bool bodyDone = false;
  std::string block(1 << 16, '\0');
  while (!(bodyDone && out.empty())) {
    if (out.empty()) {
      ssize_t n = ::read(bodyFd, block.data(), block.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return userError("cannot read " + bodyName + ": " + std::strerror(errno), EIO);
      if (n == 0) {
        bodyDone = true;
        if (chunked) out = "0\r\n\r\n";
        continue;
      }
      if (chunked) {
        char size[24];
        std::snprintf(size, sizeof size, "%zx\r\n", static_cast<size_t>(n));
        out = size;
        out.append(block.data(), static_cast<size_t>(n));
        out += "\r\n";
      } else {
        out.assign(block.data(), static_cast<size_t>(n));
      }
    }
    auto ready = waitFor(socket, POLLOUT | POLLIN, idle, "send to agentd");
    if (!ready) return tl::unexpected(ready.error());
    if (*ready & (POLLIN | POLLHUP | POLLERR)) return {};  // agentd answered before the end: read it
    ssize_t sent = ::send(socket, out.data(), out.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      out.erase(0, static_cast<size_t>(sent));
    } else if (sent < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      return {};  // closed: a reply may be there
    } else if (sent < 0 && errno != EAGAIN && errno != EINTR) {
      return systemError("send to agentd", "");
    }
  }
  return {};
}

}  // namespace

Result<HttpReply> httpUpload(const HttpUrl& url, const HttpRequestLine& request, int bodyFd,
                             std::optional<uint64_t> length, const std::string& bodyName,
                             const std::function<void(std::string_view)>& onBody, std::chrono::milliseconds idle) {
  auto socket = httpConnect(url, idle);
  if (!socket) return tl::unexpected(socket.error());
  std::string head =
      request.method + " " + url.prefix + request.path + " HTTP/1.1\r\nHost: " + url.host + ":" + url.port +
      "\r\nConnection: close\r\n" +
      (length ? "Content-Length: " + std::to_string(*length) : std::string("Transfer-Encoding: chunked")) + "\r\n";
  for (const auto& [name, value] : request.headers) head += name + ": " + value + "\r\n";
  head += "\r\n";
  if (auto sent = sendRequest(socket->get(), std::move(head), bodyFd, !length, bodyName, idle); !sent)
    return tl::unexpected(sent.error());

  std::string raw;
  std::optional<ChunkedDecoder> decoder;  // once the head says chunked
  size_t headEnd = std::string::npos;
  HttpReply reply;
  char buffer[16384];
  while (true) {
    ssize_t n = ::recv(socket->get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (auto ready = waitFor(socket->get(), POLLIN, idle, "read agentd's reply"); !ready)
        return tl::unexpected(ready.error());
      continue;
    }
    if (n < 0 && errno != ECONNRESET) return systemError("read agentd's reply", url.host + ":" + url.port);
    if (n <= 0) break;  // the end (or a reset: agentd gone)
    std::string_view piece(buffer, static_cast<size_t>(n));
    if (decoder) {
      std::string decoded;
      auto done = decoder->feed(piece, decoded);
      if (!done) return tl::unexpected(done.error());
      if (!decoded.empty()) onBody(decoded);
      if (*done) return reply;
      continue;
    }
    raw.append(piece);
    if (raw.size() > (64u << 20)) return logicError("read agentd's reply (too large)", "", EMSGSIZE);
    if (headEnd == std::string::npos && (headEnd = raw.find("\r\n\r\n")) != std::string::npos &&
        isChunked(std::string_view(raw).substr(0, headEnd + 2))) {
      // The status and headers, parsed as a reply with an empty chunked body.
      auto parsed = parseHttpResponse(raw.substr(0, headEnd + 4) + "0\r\n\r\n");
      if (!parsed) return tl::unexpected(parsed.error());
      reply = std::move(*parsed);
      decoder.emplace();
      std::string decoded;
      auto done = decoder->feed(std::string_view(raw).substr(headEnd + 4), decoded);
      if (!done) return tl::unexpected(done.error());
      if (!decoded.empty()) onBody(decoded);
      if (*done) return reply;
    }
  }
  if (decoder || replyIsCutShort(raw)) return cut();  // a chunked body ends with its last chunk
  return parseHttpResponse(raw);
}

}  // namespace agent::ctl
