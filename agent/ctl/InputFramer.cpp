#include "InputFramer.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "InputFrames.h"

namespace agent::ctl {

namespace {

using Clock = std::chrono::steady_clock;
// How long the input may be silent before a tick goes: agentd's libmicrohttpd may hold a
// finished stream open, or the last bytes of its output, until the client sends something
// (InputFrames.h); agentd waits 150 ms for that before it closes (HttpServer.cpp).
constexpr auto kTick = std::chrono::milliseconds(100);

// The two ends, held by both threads: the last to end closes them.
struct Ends {
  UniqueFd stream;      // the upgraded connection (TlsTunnel.h's socket)
  UniqueFd caller;      // the relay's end of the caller's socketpair
  UniqueFd outputDone;  // eventfd: agentd's end of the stream came, or the caller is gone
};

// All of `bytes` to `fd`, waiting while it is full; false when it fails or `stop` is signalled.
bool sendAll(int fd, std::string_view bytes, int stop) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd fds[2] = {{fd, POLLOUT, 0}, {stop, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 && errno != EINTR) return false;
      if (fds[1].revents != 0) return false;
      continue;
    }
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The caller's bytes as frames, its shutdown(SHUT_WR) as the end frame, a tick when nothing
// went for kTick; until the output is done. Apart from the output, so that a command that
// writes while its input is still coming is read meanwhile: one thread for both ways blocked
// sending input to an agentd that was blocked sending it output.
void sendInput(std::shared_ptr<Ends> ends) {
  bool inputOpen = true;
  auto lastSent = Clock::now();
  char buffer[16 * 1024];
  while (true) {
    pollfd fds[2] = {{inputOpen ? ends->caller.get() : -1, POLLIN, 0}, {ends->outputDone.get(), POLLIN, 0}};
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(lastSent + kTick - Clock::now());
    int ready = ::poll(fds, 2, static_cast<int>(std::max<long>(wait.count(), 0)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    std::string frames;
    if (ready == 0) {
      frames = inputTickFrame();
    } else {
      ssize_t n = ::recv(ends->caller.get(), buffer, sizeof buffer, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n > 0) {
        appendInputFrames(frames, std::string_view(buffer, static_cast<size_t>(n)));
      } else {
        frames = inputEndFrame();  // the caller's shutdown(SHUT_WR) or close: stdin's end
        inputOpen = false;
      }
    }
    if (!sendAll(ends->stream.get(), frames, ends->outputDone.get())) return;
    lastSent = Clock::now();
  }
}

// What agentd sends, to the caller as it is; agentd's end becomes the caller's end of input.
void receiveOutput(std::shared_ptr<Ends> ends) {
  char buffer[16 * 1024];
  while (true) {
    ssize_t n = ::recv(ends->stream.get(), buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::shutdown(ends->caller.get(), SHUT_WR);
      break;
    }
    if (!sendAll(ends->caller.get(), std::string_view(buffer, static_cast<size_t>(n)), -1)) break;
  }
  ::eventfd_write(ends->outputDone.get(), 1);
}

}  // namespace

Result<UniqueFd> frameInputOf(UniqueFd stream) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return systemError("make the socketpair of a framed stream", "");
  UniqueFd caller(pair[0]);
  auto ends = std::make_shared<Ends>();
  ends->stream = std::move(stream);
  ends->caller.reset(pair[1]);
  ends->outputDone.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!ends->outputDone.valid()) return systemError("make the eventfd of a framed stream", "");
  try {
    std::thread(receiveOutput, ends).detach();
    std::thread(sendInput, ends).detach();
  } catch (const std::system_error& e) {
    ::eventfd_write(ends->outputDone.get(), 1);  // a thread that started ends
    return userError("start the relay of a framed stream (" + std::string(e.what()) + ")", EAGAIN);
  }
  return caller;
}

}  // namespace agent::ctl
