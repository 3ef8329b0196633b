#include "TerminalHandlers.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include "AttachProtocol.h"
#include "TextParse.h"

namespace agent {

namespace {

// Writes all of `bytes` to a socket that may be non-blocking (libmicrohttpd's is).
bool sendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd out{fd, POLLOUT, 0};
      if (::poll(&out, 1, -1) < 0 && errno != EINTR) return false;
      continue;
    }
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

void relayStream(int client, std::string early, int shim) {
  bool clientOpen = true, shimOpen = true;  // each direction: more may come from that side
  if (!early.empty() && !sendAll(shim, early)) return;
  char buffer[16 * 1024];
  while (clientOpen || shimOpen) {
    pollfd fds[2] = {{clientOpen ? client : -1, POLLIN, 0}, {shimOpen ? shim : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int side = 0; side < 2; ++side) {
      if (fds[side].revents == 0) continue;
      int from = side == 0 ? client : shim, to = side == 0 ? shim : client;
      ssize_t n = ::recv(from, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n > 0) {
        if (!sendAll(to, std::string_view(buffer, static_cast<size_t>(n)))) return;
        continue;
      }
      // The end of one direction: the other side is told, the other direction goes on.
      (side == 0 ? clientOpen : shimOpen) = false;
      ::shutdown(to, SHUT_WR);
      // The shim ending its side is the stream's end (the container stopped, or another
      // client took over): nothing more comes from the client that anyone reads.
      if (side == 1 || n < 0) return;
    }
  }
}

HttpResponse TerminalHandlers::attach(const std::string& id, const HttpRequest& request) {
  if (request.queryValue("stream") != "1")
    return errorResponse(400, "invalid", "attach streams with ?stream=1 (or follows output with ?reader=R)");
  if (request.upgrade != "tcp")
    return errorResponse(400, "invalid",
                         "the stream needs the connection: send `Connection: Upgrade` and `Upgrade: tcp` (agentctl "
                         "attach does)");
  auto info = runtime_.inspect(id);
  if (!info) return errorResponse(info.error());
  if (!info->config.spec.tty && !info->config.spec.openStdin)
    return errorResponse(409, "conflict",
                         "container " + info->shortId() +
                             " has no terminal nor open stdin to attach to (run it with -it or -i); its output is in "
                             "agentctl logs -f");
  if (info->status.state == container::ContainerState::Stopped)
    return errorResponse(409, "conflict", "container " + info->shortId() + " has stopped; nothing to attach to");
  std::string bundle = runtime_.config().stateDir + "/containers/" + info->config.spec.id;
  auto stream = container::openAttachStream(bundle);
  if (!stream) {
    auto error = stream.error();
    if (error.errnum == ENOENT) error.errnum = EBUSY;  // it runs: the shim is not there (yet/any more)
    return errorResponse(error);
  }
  auto shim = std::make_shared<UniqueFd>(std::move(*stream));
  HttpResponse response;
  response.status = 101;
  response.headers = {{"Connection", "Upgrade"}, {"Upgrade", "tcp"}};
  response.upgrade = [shim](int socket, std::string early) { relayStream(socket, std::move(early), shim->get()); };
  return response;
}

HttpResponse TerminalHandlers::resize(const std::string& id, const HttpRequest& request) {
  auto rows = text::toU64(request.queryValue("h")), columns = text::toU64(request.queryValue("w"));
  if (!rows || !columns || *rows == 0 || *columns == 0 || *rows > 0xffff || *columns > 0xffff)
    return errorResponse(400, "invalid", "resize needs h (rows) and w (columns), each from 1 to 65535");
  auto info = runtime_.inspect(id);
  if (!info) return errorResponse(info.error());
  if (!info->config.spec.tty)
    return errorResponse(409, "conflict", "container " + info->shortId() + " has no terminal (run it with -t)");
  std::string bundle = runtime_.config().stateDir + "/containers/" + info->config.spec.id;
  if (auto done = container::resizeTerminal(bundle, static_cast<uint16_t>(*rows), static_cast<uint16_t>(*columns));
      !done) {
    auto error = done.error();
    if (error.errnum == ENOENT) error.errnum = EBUSY;
    return errorResponse(error);
  }
  return HttpResponse{200, {{"rows", *rows}, {"columns", *columns}}};
}

}  // namespace agent
