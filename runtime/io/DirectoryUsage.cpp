#include "DirectoryUsage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <unordered_set>
#include <utility>
#include <vector>

namespace agent {

namespace {

// st_blocks is in 512-byte units whatever the filesystem's block size (stat(2)).
constexpr uint64_t kStatBlockBytes = 512;

struct Entry {
  std::string name;
  unsigned char type;  // d_type; DT_UNKNOWN where the filesystem does not say
};

// The names in the directory `fd` (not closed), "." and ".." left out. Read whole before any
// is walked, so that a walk keeps one descriptor per level open and no listing buffer.
Result<std::vector<Entry>> listDirectory(int fd, const std::string& where) {
  int listFd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (listFd < 0) return systemError("list the directory", where);
  DIR* dir = ::fdopendir(listFd);
  if (!dir) {
    int err = errno;
    ::close(listFd);
    return systemError("list the directory", where, err);
  }
  ::rewinddir(dir);  // the duplicate shares its offset with `fd`
  std::vector<Entry> entries;
  errno = 0;
  while (struct dirent* entry = ::readdir(dir)) {
    const char* name = entry->d_name;
    if (!(name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))))
      entries.push_back({name, entry->d_type});
    errno = 0;
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return systemError("list the directory", where, err);
  return entries;
}

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

  // Counts what is in the directory `dir` (counted itself by the caller) and below it.
  Result<void> walkDirectory(int dir, const std::string& where, size_t depth) {
    auto entries = listDirectory(dir, where);
    if (!entries) return entries.error().isGone() ? Result<void>{} : tl::unexpected(entries.error());
    for (const auto& entry : *entries) {
      if (auto walked = walkEntry(dir, entry, where, depth); !walked) return walked;
    }
    return {};
  }

  Result<void> walkEntry(int parent, const Entry& entry, const std::string& where, size_t depth) {
    const char* name = entry.name.c_str();
    if (entry.type == DT_DIR || entry.type == DT_UNKNOWN) {
      // Opened first, then stat'ed through its fd: what is counted is what is walked, even if
      // the name is replaced in between. O_NOFOLLOW|O_DIRECTORY: a symlink or a file fails.
      UniqueFd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (fd.valid()) {
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) return systemError("stat", where + "/" + entry.name);
        // A mount point: another filesystem's root, neither counted nor entered (du -x).
        if (st.st_dev != device) return {};
        count(st);
        // A tree deeper than any real layer (a container can make one) is counted down to
        // here only: each level holds a descriptor.
        if (depth >= kDirectoryUsageMaxDepth) {
          usage.cutAtDepth = true;
          return {};
        }
        return walkDirectory(fd.get(), where + "/" + entry.name, depth + 1);
      }
      if (errno == ENOENT) return {};  // removed since it was listed
      if (errno != ENOTDIR && errno != ELOOP) return systemError("open the directory", where + "/" + entry.name);
      // Not a directory after all (DT_UNKNOWN, or replaced): counted as a file below.
    }
    struct stat st {};
    if (::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return {};
      return systemError("stat", where + "/" + entry.name);
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
  if (auto walked = walk.walkDirectory(dirFd, path, 1); !walked) return tl::unexpected(walked.error());
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
