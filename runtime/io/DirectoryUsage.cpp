#include "DirectoryUsage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <cstring>
#include <unordered_set>

namespace agent {

namespace {

// st_blocks is in 512-byte units whatever the filesystem's block size (stat(2)).
constexpr uint64_t kStatBlockBytes = 512;

struct Walk {
  dev_t device = 0;
  std::unordered_set<ino_t> linked;  // inodes with more than one link, counted already
  DirectoryUsage usage;

  void count(const struct stat& st) {
    // A directory cannot be hard-linked: only other inodes with several names are remembered.
    if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && !linked.insert(st.st_ino).second) return;
    usage.bytes += static_cast<uint64_t>(st.st_blocks) * kStatBlockBytes;
    ++usage.inodes;
  }

  // Counts every entry of the open directory `fd` (taken over and closed) and walks its
  // subdirectories. The directory itself is counted by the caller.
  Result<void> entries(int fd, const std::string& where) {
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
      int err = errno;
      ::close(fd);
      return systemError("list the directory", where, err);
    }
    Result<void> result;
    errno = 0;
    while (struct dirent* entry = ::readdir(dir)) {
      const char* name = entry->d_name;
      if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
      if (auto walked = entry_(::dirfd(dir), name, entry->d_type, where); !walked) {
        result = walked;
        break;
      }
      errno = 0;
    }
    if (result && errno != 0) result = systemError("list the directory", where);
    ::closedir(dir);
    return result;
  }

  Result<void> entry_(int parent, const char* name, unsigned char type, const std::string& where) {
    if (type == DT_DIR || type == DT_UNKNOWN) {
      // Opened first, then stat'ed through its fd: what is counted is what is walked, even if
      // the name is replaced in between. O_NOFOLLOW|O_DIRECTORY: a symlink or a file fails.
      int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0) {
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
          int err = errno;
          ::close(fd);
          return systemError("stat", where + "/" + name, err);
        }
        // A mount point: another filesystem's root, neither counted nor entered (du -x).
        if (st.st_dev != device) {
          ::close(fd);
          return {};
        }
        count(st);
        return entries(fd, where + "/" + name);
      }
      if (errno == ENOENT) return {};  // removed since it was listed
      if (errno != ENOTDIR && errno != ELOOP) return systemError("open the directory", where + "/" + name);
      // Not a directory after all (DT_UNKNOWN, or replaced): counted as a file below.
    }
    struct stat st {};
    if (::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return {};
      return systemError("stat", where + "/" + name);
    }
    if (st.st_dev != device) return {};
    // (A directory here was made between the open above and this stat: its content is
    // counted on the next measure.)
    count(st);
    return {};
  }
};

}  // namespace

Result<UniqueFd> openDirectoryNoFollow(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return systemError("open the directory", path);
  return UniqueFd(fd);
}

Result<DirectoryUsage> measureDirectoryUsage(int dirFd, const std::string& path) {
  struct stat st {};
  if (::fstat(dirFd, &st) != 0) return systemError("stat", path);
  if (!S_ISDIR(st.st_mode)) return logicError("measure the usage of (not a directory)", path, ENOTDIR);
  Walk walk;
  walk.device = st.st_dev;
  walk.count(st);
  // The walk closes the fd it lists; the caller keeps its own.
  int own = ::openat(dirFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (own < 0) return systemError("open the directory", path);
  if (auto walked = walk.entries(own, path); !walked) return tl::unexpected(walked.error());
  return walk.usage;
}

Result<FilesystemOfDirectory> filesystemOf(int dirFd, const std::string& path) {
  struct stat st {};
  if (::fstat(dirFd, &st) != 0) return systemError("stat", path);
  struct statfs fs {};
  if (::fstatfs(dirFd, &fs) != 0) return systemError("statfs", path);
  FilesystemOfDirectory out;
  out.major = ::major(st.st_dev);
  out.minor = ::minor(st.st_dev);
  out.capacityBytes = static_cast<uint64_t>(fs.f_blocks) * static_cast<uint64_t>(fs.f_frsize);
  return out;
}

}  // namespace agent
