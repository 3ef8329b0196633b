#include "LogFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace agent::container {

Result<LogFile> LogFile::open(std::string path, uint64_t maxBytes) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) return systemError("open log", path);
  struct stat st {};
  ::fstat(fd.get(), &st);
  return LogFile(std::move(path), maxBytes, std::move(fd), static_cast<uint64_t>(st.st_size));
}

Result<void> LogFile::rotate() {
  std::string old = path_ + ".1";
  if (::rename(path_.c_str(), old.c_str()) != 0) return systemError("rotate log", path_);
  UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) return systemError("open log", path_);
  fd_ = std::move(fd);
  size_ = 0;
  return {};
}

Result<void> LogFile::append(std::string_view bytes) {
  if (size_ > 0 && size_ + bytes.size() > maxBytes_) {
    if (auto r = rotate(); !r) return r;
  }
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return systemError("write log", path_);
    bytes.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
  return {};
}

}  // namespace agent::container
