#include "LogFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>

#include "LogFormat.h"

namespace agent::container {

static_assert(kLogHeaderBytes == 16);

namespace {

// A new file is made whole (its header written) under this name, then renamed to `log`: a
// reader never meets a `log` without its header.
std::string freshLogPath(const std::string& path) {
  return path + ".new";
}

// The current file is linked here and renamed over `log.1`, so that `log` still names it
// until the new file replaces it: there is never a moment without a `log`.
std::string rotatingLogPath(const std::string& path) {
  return rotatedLogPath(path) + ".new";
}

}  // namespace

Result<UniqueFd> LogFile::createAside(const std::string& path, uint64_t start) {
  std::string fresh = freshLogPath(path);
  // O_TRUNC: one left by a shim that died before it renamed it is started again.
  UniqueFd fd(::open(fresh.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!fd.valid()) return systemError("create log", fresh);
  std::string header = logFileHeader(start);
  ssize_t written = ::write(fd.get(), header.data(), header.size());
  if (written != static_cast<ssize_t>(header.size())) {
    int err = written < 0 ? errno : EIO;
    ::unlink(fresh.c_str());
    return systemError("write log header", fresh, err);
  }
  return fd;
}

Result<void> LogFile::putInPlace(const std::string& path, KeepCurrent keep) {
  if (keep == KeepCurrent::AsRotatedCopy) {
    std::string rotating = rotatingLogPath(path);
    ::unlink(rotating.c_str());  // one a shim that died here left
    // A filesystem without hard links gets the rename alone: `log` is then missing for a
    // moment, which readers handle too (LogReader.cpp).
    bool linked = ::link(path.c_str(), rotating.c_str()) == 0;
    if (::rename((linked ? rotating : path).c_str(), rotatedLogPath(path).c_str()) != 0)
      return systemError("rotate log", path);
  }
  if (::rename(freshLogPath(path).c_str(), path.c_str()) != 0) return systemError("start a new log", path);
  return {};
}

Result<LogFile> LogFile::open(std::string path, uint64_t maxBytes, RotationGate mayDiscardBefore) {
  maxBytes = std::max(maxBytes, kMinLogBytes);
  UniqueFd existing(::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
  ssize_t n = 0;
  if (existing.valid()) {
    char header[kHeaderBytes];
    struct stat st {};
    n = ::pread(existing.get(), header, sizeof header, 0);
    auto start = n == static_cast<ssize_t>(kHeaderBytes) ? parseLogFileHeader(std::string_view(header, kHeaderBytes))
                                                         : std::nullopt;
    if (start && ::fstat(existing.get(), &st) == 0) {
      return LogFile(std::move(path), maxBytes, std::move(mayDiscardBefore), std::move(existing), *start,
                     static_cast<uint64_t>(st.st_size));
    }
  }
  auto fd = createAside(path, 0);
  if (!fd) return tl::unexpected(fd.error());
  // A plain log of an agent before this format is kept as the rotated copy.
  if (auto placed = putInPlace(path, n > 0 ? KeepCurrent::AsRotatedCopy : KeepCurrent::No); !placed)
    return tl::unexpected(placed.error());
  return LogFile(std::move(path), maxBytes, std::move(mayDiscardBefore), std::move(*fd), 0, kHeaderBytes);
}

Result<void> LogFile::rotate() {
  auto fd = createAside(path_, endPosition());
  if (!fd) return tl::unexpected(fd.error());
  if (auto placed = putInPlace(path_, KeepCurrent::AsRotatedCopy); !placed) return tl::unexpected(placed.error());
  start_ = endPosition();
  fd_ = std::move(*fd);
  size_ = kHeaderBytes;
  return {};
}

Result<void> LogFile::writeFrame(OutputStream stream, std::string_view payload) {
  std::string header = frameHeader(stream, static_cast<uint32_t>(payload.size()));
  iovec parts[2] = {{header.data(), header.size()}, {const_cast<char*>(payload.data()), payload.size()}};
  size_t total = header.size() + payload.size(), written = 0;
  while (written < total) {
    ssize_t n = ::writev(fd_.get(), parts, 2);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      // A frame cut short would make the rest of the file unreadable: take it back.
      if (written > 0 && ::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0) err = errno;
      return systemError("write log", path_, err);
    }
    written += static_cast<size_t>(n);
    for (auto& part : parts) {
      size_t used = std::min(part.iov_len, static_cast<size_t>(n));
      part.iov_base = static_cast<char*>(part.iov_base) + used;
      part.iov_len -= used;
      n -= static_cast<ssize_t>(used);
    }
  }
  size_ += total;
  return {};
}

Result<size_t> LogFile::append(OutputStream stream, std::string_view bytes) {
  size_t taken = 0;
  while (taken < bytes.size()) {
    uint64_t room = size_ < maxBytes_ ? maxBytes_ - size_ : 0;
    if (room <= kFrameHeaderBytes) {
      // start_ > 0: there is a rotated copy, and rotating now discards it.
      if (gate_ && start_ > 0 && !gate_(start_)) return taken;  // it is still being read
      if (auto rotated = rotate(); !rotated) return tl::unexpected(rotated.error());
      continue;
    }
    size_t piece = std::min<uint64_t>({bytes.size() - taken, room - kFrameHeaderBytes, kMaxFramePayload});
    if (auto written = writeFrame(stream, bytes.substr(taken, piece)); !written) return tl::unexpected(written.error());
    taken += piece;
  }
  return taken;
}

}  // namespace agent::container
