#include "AttachProtocol.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace agent::container {

namespace {

constexpr int kAnswerSeconds = 5;  // the shim answers at once unless it is stuck

Result<UniqueFd> request(const std::string& bundleDir, const std::string& line) {
  std::string path = attachSocketPath(bundleDir);
  auto short_ = attachAddress(bundleDir);
  if (!short_) {
    if (short_.error().errnum == ENOENT)
      return userError("the container has no state directory any more (it was removed)", ENOENT);
    return tl::unexpected(short_.error());
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, short_->path.data(), short_->path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return systemError("create a socket for", path);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    int err = errno;
    if (err == ENOENT || err == ECONNREFUSED)
      return userError(
          "the container has no terminal nor open stdin to attach to, or it has stopped "
          "(run it with -it or -i)",
          ENOENT);
    return systemError("connect to", path, err);
  }
  timeval timeout{kAnswerSeconds, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
    return systemError("write to", path);
  // The answer, a byte at a time: what follows it is the container's.
  std::string answer;
  char c;
  while (answer.size() < 512) {
    ssize_t n = ::read(fd.get(), &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return userError("the container's shim closed its attach socket without an answer", EIO);
    if (c == '\n') break;
    answer += c;
  }
  if (answer == "ok") {
    timeval none{0, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
    return fd;
  }
  std::string why = answer.rfind("error ", 0) == 0 ? answer.substr(6) : answer;
  return userError(why, why.find("attached") != std::string::npos ? EBUSY : EINVAL);
}

}  // namespace

std::string attachSocketPath(const std::string& bundleDir) {
  return bundleDir + "/attach.sock";
}

Result<AttachAddress> attachAddress(const std::string& bundleDir) {
  AttachAddress address;
  address.dirFd.reset(::open(bundleDir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!address.dirFd.valid()) return systemError("open the container's state directory", bundleDir);
  address.path = "/proc/self/fd/" + std::to_string(address.dirFd.get()) + "/attach.sock";
  return address;
}

Result<UniqueFd> openAttachStream(const std::string& bundleDir) {
  return request(bundleDir, "attach\n");
}

Result<void> resizeTerminal(const std::string& bundleDir, uint16_t rows, uint16_t columns) {
  auto done = request(bundleDir, "resize " + std::to_string(rows) + " " + std::to_string(columns) + "\n");
  if (!done) return tl::unexpected(done.error());
  return {};
}

}  // namespace agent::container
