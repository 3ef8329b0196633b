#include "InputFramer.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "InputFrames.h"

namespace agent::ctl {

namespace {

bool sendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Until agentd's end of the stream, or either side fails (the caller closed its socket: it is
// done). A second without a frame sent brings a tick (InputFrames.h: agentd's libmicrohttpd
// may hold a finished stream open until the client sends something).
void relay(UniqueFd stream, UniqueFd caller) {
  using Clock = std::chrono::steady_clock;
  constexpr auto kTick = std::chrono::seconds(1);
  bool inputOpen = true;
  auto lastSent = Clock::now();
  char buffer[16 * 1024];
  while (true) {
    pollfd fds[2] = {{inputOpen ? caller.get() : -1, POLLIN, 0}, {stream.get(), POLLIN, 0}};
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(lastSent + kTick - Clock::now());
    int ready = ::poll(fds, 2, static_cast<int>(std::max<long>(wait.count(), 0)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (ready == 0) {
      if (!sendAll(stream.get(), inputTickFrame())) return;
      lastSent = Clock::now();
      continue;
    }
    if (fds[0].revents != 0) {
      ssize_t n = ::recv(caller.get(), buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return;
      std::string frames;
      if (n > 0) {
        appendInputFrames(frames, std::string_view(buffer, static_cast<size_t>(n)));
      } else {
        frames = inputEndFrame();  // the caller's shutdown(SHUT_WR): stdin's end
        inputOpen = false;
      }
      if (!sendAll(stream.get(), frames)) return;
      lastSent = Clock::now();
    }
    if (fds[1].revents != 0) {
      ssize_t n = ::recv(stream.get(), buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {  // agentd's end of the stream: the caller reads it
        ::shutdown(caller.get(), SHUT_WR);
        return;
      }
      if (!sendAll(caller.get(), std::string_view(buffer, static_cast<size_t>(n)))) return;
    }
  }
}

}  // namespace

Result<UniqueFd> frameInputOf(UniqueFd stream) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return systemError("make the socketpair of a framed stream", "");
  UniqueFd caller(pair[0]), inner(pair[1]);
  try {
    std::thread(relay, std::move(stream), std::move(inner)).detach();
  } catch (const std::system_error& e) {
    return userError("start the relay of a framed stream (" + std::string(e.what()) + ")", EAGAIN);
  }
  return caller;
}

}  // namespace agent::ctl
