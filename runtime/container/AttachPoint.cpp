#include "AttachPoint.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "AttachProtocol.h"
#include "ExecTerminal.h"
#include "TextParse.h"

namespace agent::container {

namespace {

constexpr size_t kReadBytes = 16 * 1024;
constexpr size_t kEarlyBytes = 64 * 1024;  // terminal output kept for the first client
constexpr int kClientSendSeconds = 5;      // a client (agentd) that takes no output this long is dropped

void nonBlocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void answer(int fd, const std::string& line) {
  std::string text = line + "\n";
  (void)!::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
}

}  // namespace

Result<std::unique_ptr<AttachPoint>> AttachPoint::create(const std::string& bundleDir, bool tty) {
  std::unique_ptr<AttachPoint> held(new AttachPoint);
  AttachPoint& point = *held;
  point.tty_ = tty;
  if (tty) {
    // PID 1 makes the terminal inside the container and sends its master back on this pair
    // (Launcher.h, consoleSocket); the shim holds it from receiveTerminal() on.
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
      return systemError("create the console socket", bundleDir);
    point.console_.reset(pair[0]);
    point.containerEnd_.reset(pair[1]);
  } else {
    int pipe[2];
    if (::pipe2(pipe, O_CLOEXEC) != 0) return systemError("create the stdin pipe", bundleDir);
    point.containerEnd_.reset(pipe[0]);
    point.shimEnd_.reset(pipe[1]);
    nonBlocking(point.shimEnd_.get());
  }

  point.socketPath_ = attachSocketPath(bundleDir);
  auto short_ = attachAddress(bundleDir);
  if (!short_) return tl::unexpected(short_.error());
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, short_->path.data(), short_->path.size());
  point.listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!point.listener_.valid()) return systemError("create the attach socket", point.socketPath_);
  ::unlink(point.socketPath_.c_str());
  mode_t old = ::umask(0077);  // root's only, as the rest of the state directory
  int bound = ::bind(point.listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::umask(old);
  if (bound != 0 || ::listen(point.listener_.get(), 4) != 0)
    return systemError("listen on the attach socket", point.socketPath_);
  return held;
}

Result<void> AttachPoint::receiveTerminal(int timeoutMs) {
  auto master = container::receiveTerminal(console_.get(), timeoutMs);
  console_.reset();
  if (!master) return tl::unexpected(master.error());
  shimEnd_ = std::move(*master);
  nonBlocking(shimEnd_.get());
  return {};
}

AttachPoint::~AttachPoint() {
  if (listener_.valid()) ::unlink(socketPath_.c_str());
}

void AttachPoint::preparePoll(pollfd* fds) const {
  fds[0] = {listener_.get(), POLLIN, 0};
  // Input waits while the container has not taken what came before it.
  fds[1] = {toContainer_.empty() ? client_.get() : -1, POLLIN, 0};
  short events = static_cast<short>((tty_ ? POLLIN : 0) | (toContainer_.empty() ? 0 : POLLOUT));
  fds[2] = {events != 0 ? shimEnd_.get() : -1, events, 0};
}

void AttachPoint::afterPoll(const pollfd* fds, LogFile& log) {
  if (fds[2].revents & POLLOUT) toContainer();
  if (tty_ && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) fromContainer(log);
  if (fds[1].revents != 0) fromClient();
  if (fds[0].revents != 0) acceptClient();
}

void AttachPoint::acceptClient() {
  UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!fd.valid()) return;
  // The request line; agentd sends it with the connection, so a short wait is enough.
  timeval timeout{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string line;
  char c;
  while (line.size() < 64) {
    ssize_t n = ::read(fd.get(), &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    line += c;
  }
  if (line.rfind("resize ", 0) == 0) {
    if (!tty_) return answer(fd.get(), "error the container has no terminal to resize (run it with -t)");
    resize(std::string_view(line).substr(7));
    return answer(fd.get(), "ok");
  }
  if (line != "attach") return answer(fd.get(), "error unknown request (attach or resize ROWS COLS)");
  if (client_.valid()) return answer(fd.get(), "error another client is attached to the container; one at a time");
  if (!shimEnd_.valid()) return answer(fd.get(), "error the container's stdin is closed already");
  timeval none{0, 0}, sendTimeout{kClientSendSeconds, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, sizeof sendTimeout);
  answer(fd.get(), "ok");
  client_ = std::move(fd);
  if (!attachedOnce_) {
    attachedOnce_ = true;
    std::string early;
    early.swap(early_);
    send(early);
  }
}

void AttachPoint::resize(std::string_view size) {
  auto rows = text::toU64(text::nextField(size));
  auto columns = text::toU64(text::nextField(size));
  if (!rows || !columns || *rows > 0xffff || *columns > 0xffff) return;
  winsize window{static_cast<unsigned short>(*rows), static_cast<unsigned short>(*columns), 0, 0};
  // The kernel sends SIGWINCH to the terminal's foreground process group.
  ::ioctl(shimEnd_.get(), TIOCSWINSZ, &window);
}

void AttachPoint::fromContainer(LogFile& log) {
  char buffer[kReadBytes];
  ssize_t n = ::read(shimEnd_.get(), buffer, sizeof buffer);
  if (n <= 0) return;  // EIO: no process holds the slave any more (PID 1 ended)
  std::string_view bytes(buffer, static_cast<size_t>(n));
  (void)log.append(OutputStream::Stdout, bytes);
  if (client_.valid()) {
    send(bytes);
  } else if (!attachedOnce_) {
    early_.append(bytes);
    if (early_.size() > kEarlyBytes) early_.erase(0, early_.size() - kEarlyBytes);
  }
}

void AttachPoint::send(std::string_view bytes) {
  while (!bytes.empty() && client_.valid()) {
    ssize_t n = ::send(client_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return dropClient();  // gone, or stuck for kClientSendSeconds
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void AttachPoint::fromClient() {
  char buffer[kReadBytes];
  ssize_t n = ::read(client_.get(), buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n > 0) {
    toContainer_.assign(buffer, static_cast<size_t>(n));
    toContainer();
    return;
  }
  // The client's end (or half-close): a terminal waits for the next client; a stdin pipe
  // closes, and PID 1 reads EOF.
  dropClient();
  if (!tty_) shimEnd_.reset();
}

void AttachPoint::toContainer() {
  while (!toContainer_.empty() && shimEnd_.valid()) {
    ssize_t n = ::write(shimEnd_.get(), toContainer_.data(), toContainer_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;  // POLLOUT brings us back
    if (n < 0) {                           // no reader: PID 1 closed its stdin
      toContainer_.clear();
      if (!tty_) shimEnd_.reset();
      return;
    }
    toContainer_.erase(0, static_cast<size_t>(n));
  }
}

void AttachPoint::dropClient() {
  client_.reset();
}

void AttachPoint::drain(LogFile& log) {
  containerEnd_.reset();
  if (tty_ && shimEnd_.valid()) {
    // Every process of the container has ended with PID 1 (its pid namespace went with it):
    // the master reads what they wrote, then EIO.
    for (int i = 0; i < 1024; ++i) {
      pollfd fd{shimEnd_.get(), POLLIN, 0};
      if (::poll(&fd, 1, 100) <= 0) break;
      char buffer[kReadBytes];
      ssize_t n = ::read(shimEnd_.get(), buffer, sizeof buffer);
      if (n <= 0) break;
      std::string_view bytes(buffer, static_cast<size_t>(n));
      (void)log.append(OutputStream::Stdout, bytes);
      if (client_.valid()) send(bytes);
    }
  }
  listener_.reset();
  ::unlink(socketPath_.c_str());
}

}  // namespace agent::container
