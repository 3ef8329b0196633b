#include "FileAt.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace agent {

Result<Dir> Dir::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return systemError("open directory", path);
  return Dir(UniqueFd(fd), path);
}

Result<Dir> Dir::openChild(std::string_view name) const {
  std::string child(name);
  int fd = ::openat(fd_.get(), child.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return systemError("open directory", pathOf(name));
  return Dir(UniqueFd(fd), pathOf(name));
}

std::string Dir::pathOf(std::string_view name) const {
  std::string full = path_;
  if (full.empty() || full.back() != '/') full += '/';
  full += name;
  return full;
}

namespace {
// Held files may use three quarters of the fd limit; the rest stays free for one-shot
// reads, writes, sockets. Read once: agentd raises its limit before collecting.
int heldFdCeiling() {
  static const int ceiling = [] {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 1 << 20;
    return static_cast<int>(limit.rlim_cur * 3 / 4);
  }();
  return ceiling;
}
}  // namespace

bool Dir::holds(const char* name) const {
  if (keepFilesOpen_) return true;
  for (const char* held : holdOnly_)
    if (held == name || std::strcmp(held, name) == 0) return true;
  return false;
}

int Dir::heldFile(const char* name) const {
  for (const auto& held : heldFiles_)
    if (held.name == name || std::strcmp(held.name, name) == 0) return held.fd.get();
  int fd = ::openat(fd_.get(), name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  if (fd >= heldFdCeiling()) {
    // Over budget: this directory goes back to one-shot reads for good.
    ::close(fd);
    keepFilesOpen_ = false;
    holdOnly_.clear();
    heldFiles_.clear();
    errno = EMFILE;
    return -1;
  }
  heldFiles_.push_back(HeldFile{name, UniqueFd(fd)});
  return fd;
}

Result<std::string_view> readFileAt(const Dir& dir, const char* name, std::span<char> buffer) {
  bool holds = dir.holds(name);
  int held = holds ? dir.heldFile(name) : -1;
  // Out of file descriptors, a held read degrades to a one-shot read rather than failing.
  if (holds && held < 0 && errno != EMFILE && errno != ENFILE) {
    return systemError("open for reading", dir.pathOf(name));
  }
  if (held >= 0) {
    int fd = held;
    ssize_t n;
    do {
      n = ::pread(fd, buffer.data(), buffer.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return systemError("read", dir.pathOf(name));
    if (static_cast<size_t>(n) == buffer.size()) {
      return logicError("read (file larger than buffer)", dir.pathOf(name), EFBIG);
    }
    return std::string_view(buffer.data(), static_cast<size_t>(n));
  }
  UniqueFd fd(::openat(dir.fd(), name, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return systemError("open for reading", dir.pathOf(name));
  size_t used = 0;
  while (true) {
    if (used == buffer.size()) return logicError("read (file larger than buffer)", dir.pathOf(name), EFBIG);
    ssize_t n = ::read(fd.get(), buffer.data() + used, buffer.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return systemError("read", dir.pathOf(name));
    }
    used += static_cast<size_t>(n);
    // kernfs and procfs (seq_file) fill the caller's buffer unless the file has ended, and
    // regular files return short only at the end: a short read is the whole file, which
    // saves the read(2) that would only report EOF.
    if (n == 0 || used < buffer.size()) break;
  }
  return std::string_view(buffer.data(), used);
}

static Result<std::string> readAll(int fd, const std::string& pathForErrors) {
  std::string text;
  char chunk[16384];
  while (true) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return systemError("read", pathForErrors);
    }
    if (n == 0) return text;
    text.append(chunk, static_cast<size_t>(n));
  }
}

Result<std::string> readWholeFileAt(const Dir& dir, const char* name) {
  UniqueFd fd(::openat(dir.fd(), name, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return systemError("open for reading", dir.pathOf(name));
  return readAll(fd.get(), dir.pathOf(name));
}

Result<std::string> readWholeFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return systemError("open for reading", path);
  return readAll(fd.get(), path);
}

Result<void> writeFileAt(const Dir& dir, const char* name, std::string_view value) {
  // O_TRUNC as the shell's `>`: kernfs ignores it, a plain file (a fixture) then holds the
  // value alone.
  UniqueFd fd(::openat(dir.fd(), name, O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd.valid()) return systemError("open for writing", dir.pathOf(name));
  ssize_t n;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return systemError("write `" + std::string(value) + "` to", dir.pathOf(name));
  if (static_cast<size_t>(n) != value.size()) {
    return logicError("short write of `" + std::string(value) + "` to", dir.pathOf(name), EIO);
  }
  return {};
}

bool fileExistsAt(const Dir& dir, const char* name) {
  return ::faccessat(dir.fd(), name, F_OK, 0) == 0;
}

Result<std::vector<std::string>> listSubdirs(const Dir& dir) {
  // fdopendir takes ownership of its fd, so give it a duplicate.
  int fd = ::openat(dir.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return systemError("open directory", dir.path());
  DIR* stream = ::fdopendir(fd);
  if (stream == nullptr) {
    ::close(fd);
    return systemError("list directory", dir.path());
  }
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(stream)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    bool isDir = entry->d_type == DT_DIR;
    if (entry->d_type == DT_UNKNOWN) {
      struct stat st {};
      isDir = ::fstatat(fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    if (isDir) names.emplace_back(name);
  }
  ::closedir(stream);
  return names;
}

}  // namespace agent
