#pragma once
// What a directory tree takes on its filesystem, counted as du(1) and cAdvisor's
// fs.GetDirUsage count it: st_blocks * 512 of every inode once (hard links counted once),
// the tree's own filesystem only (a mount inside is not entered), symlinks never followed.
// Used for containers' writable layers (docs/metrics.md, container_fs_usage_bytes).
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "Error.h"
#include "UniqueFd.h"

namespace agent {

// Directories this deep below the measured one are counted but not entered: each level of
// the walk holds a descriptor, and a container can make its layer as deep as it likes.
inline constexpr size_t kDirectoryUsageMaxDepth = 256;

struct DirectoryUsage {
  uint64_t bytes = 0;       // allocated blocks * 512: a sparse file counts what it holds, not its size
  uint64_t inodes = 0;      // the directory itself included
  bool cutAtDepth = false;  // some directory was deeper than kDirectoryUsageMaxDepth
};

// Walks the tree below `dirFd` (an open directory; not closed) relative to it (openat,
// fstatat, no path built), so a tree renamed or replaced meanwhile is not mixed up with
// another. Entries that vanish during the walk are skipped; `path` is for messages only.
Result<DirectoryUsage> measureDirectoryUsage(int dirFd, const std::string& path);

// The filesystem a directory lives on: its device number and its size (statfs f_blocks *
// f_frsize, cAdvisor's capacity).
struct FilesystemOfDirectory {
  unsigned major = 0, minor = 0;
  uint64_t capacityBytes = 0;
};
Result<FilesystemOfDirectory> filesystemOf(int dirFd, const std::string& path);

// Opens `path` as a directory without following a symlink in its last component.
Result<UniqueFd> openDirectoryNoFollow(const std::string& path);

}  // namespace agent
