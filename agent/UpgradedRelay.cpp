#include "UpgradedRelay.h"

#include <linux/sockios.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string_view>
#include <system_error>

#include "InputFrames.h"

namespace agent {

namespace {

enum class Sent { All, Failed, ClientGone };

// Sends all of `bytes` on `to`, waiting while it is full. Failed when `to` fails or `stop` (an
// eventfd; -1: none) is signalled meanwhile; ClientGone when `tcp` (-1: none) hangs up
// meanwhile: a session that does not read its input must not hide the client's going.
Sent sendAll(int to, std::string_view bytes, int stop, int tcp = -1) {
  while (!bytes.empty()) {
    ssize_t n = ::send(to, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd fds[3] = {{to, POLLOUT, 0}, {stop, POLLIN, 0}, {tcp, POLLRDHUP, 0}};
      if (::poll(fds, 3, -1) < 0 && errno != EINTR) return Sent::Failed;
      if (fds[1].revents != 0) return Sent::Failed;
      if (fds[2].revents & (POLLRDHUP | POLLHUP | POLLERR)) return Sent::ClientGone;
      continue;
    }
    if (n <= 0) return Sent::Failed;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Sent::All;
}

}  // namespace

Result<std::unique_ptr<UpgradedRelay>> UpgradedRelay::start(int outer, std::string early, UpgradedPeer peer) {
  std::unique_ptr<UpgradedRelay> relay(new UpgradedRelay);
  relay->outer_ = outer;
  relay->peer_ = peer;
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return systemError("make the socketpair of an upgraded stream", "");
  relay->session_.reset(pair[0]);
  relay->inner_.reset(pair[1]);
  relay->stop_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!relay->stop_.valid()) return systemError("make the eventfd of an upgraded stream", "");
  try {
    relay->output_ = std::thread(&UpgradedRelay::relayOutput, relay.get());
    relay->input_ = std::thread(&UpgradedRelay::relayInput, relay.get(), std::move(early));
  } catch (const std::system_error& e) {  // no thread to be had: what started ends with `relay`
    return userError("start the relay of an upgraded stream (" + std::string(e.what()) + ")", EAGAIN);
  }
  return relay;
}

UpgradedRelay::~UpgradedRelay() {
  session_.reset();  // the output thread reads the session's last bytes, then its end
  if (output_.joinable()) output_.join();
  if (input_.joinable()) input_.join();
}

void UpgradedRelay::clientGone() {
  ::shutdown(inner_.get(), SHUT_RDWR);  // the session reads its input's end, and its writes fail
  ::shutdown(outer_, SHUT_RDWR);        // a send to the client waiting for room fails
}

void UpgradedRelay::relayInput(std::string early) {
  InputFrameDecoder decoder;
  bool reading = true;     // more may come from the client (after the end frame: ticks)
  bool forwarding = true;  // the session's input is open
  // False: the frames are broken, or the client hung up while its input waited (it is gone).
  auto pass = [&](std::string_view bytes) {
    std::string decoded;
    if (peer_.framedInput) {
      auto payload = decoder.feed(bytes);
      if (!payload) {
        spdlog::warn("msg=\"an upgraded stream's input frames are broken: the client is taken as gone\" error=\"{}\"",
                     payload.error().message());
        return false;
      }
      decoded = std::move(*payload);
      bytes = decoded;
    }
    // A session that no longer reads (it ended) drops the rest, as a closed stdin does.
    if (forwarding && !bytes.empty()) {
      Sent sent = sendAll(inner_.get(), bytes, stop_.get(), peer_.tcp);
      if (sent == Sent::ClientGone) return false;
      forwarding = sent == Sent::All;
    }
    if (decoder.ended() && forwarding) {
      ::shutdown(inner_.get(), SHUT_WR);  // the end frame: the session reads its input's end
      forwarding = false;
    }
    return true;
  };
  if (!early.empty() && !pass(early)) return clientGone();
  char buffer[16 * 1024];
  while (true) {
    pollfd fds[3] = {{reading ? outer_ : -1, POLLIN, 0}, {peer_.tcp, POLLRDHUP, 0}, {stop_.get(), POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[2].revents != 0) return;  // the session ended and its output is out
    if (fds[0].revents != 0) {
      ssize_t n = ::recv(outer_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n > 0) {
        if (!pass(std::string_view(buffer, static_cast<size_t>(n)))) return clientGone();
        continue;
      }
      // No more from the client (a plain connection's half-close or end, libmicrohttpd's end).
      if (forwarding) ::shutdown(inner_.get(), SHUT_WR);
      forwarding = reading = false;
      continue;
    }
    if (fds[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) return clientGone();
  }
}

void UpgradedRelay::relayOutput() {
  char buffer[16 * 1024];
  while (true) {
    ssize_t n = ::read(inner_.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the session closed its socket, or the client is gone
    if (sendAll(outer_, std::string_view(buffer, static_cast<size_t>(n)), -1) != Sent::All) break;
  }
  ::eventfd_write(stop_.get(), 1);
}

// Before an upgraded TLS connection is closed, so that the client gets all of the session's
// output (10 s at most; at once if the client hangs up, `tcp`, or agentd is `stopping`):
// - libmicrohttpd has read what the session wrote to `socket` (its send queue is empty). Its
//   relay moves 4 bytes at a time (its buffers are what the reply's head left of the
//   connection's memory: nothing, so its 8-byte reserve; fixed in 0.9.77);
// - kGrace more: it sends its last bytes only at its next event from the client, and a close
//   drops them. agentctl's ticks (InputFrames.h, every 100 ms) are that event;
// - the client has acknowledged all that went out on `tcp`: closed with input unread (a
//   command that ended while its input still came, a tick), the socket sends a reset, and the
//   kernel drops what was not yet sent.
void awaitRelayDrained(int socket, int tcp, const std::atomic<bool>& stopping) {
  constexpr int kGraceMs = 150;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  pollfd gone{tcp, POLLRDHUP, 0};
  auto drain = [&](int fd) {
    int queued = 0;
    while (::ioctl(fd, SIOCOUTQ, &queued) == 0 && queued > 0 && std::chrono::steady_clock::now() < until)
      if (::poll(&gone, 1, 5) > 0 || stopping) return false;
    return !stopping;
  };
  if (!drain(socket)) return;
  if (::poll(&gone, 1, kGraceMs) > 0 || stopping) return;
  drain(tcp);
}

}  // namespace agent
