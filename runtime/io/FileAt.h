#pragma once
// Directory handles and whole-file reads and writes relative to them. A cgroup directory is
// opened once; every control file is then read with openat() on that fd, so the hot path
// builds no path strings and a directory removed and recreated under the same name is noticed.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"
#include "UniqueFd.h"

namespace agent {

// An open directory and the path it was opened at (kept for error messages only).
class Dir {
 public:
  Dir() = default;
  Dir(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  static Result<Dir> open(const std::string& path);
  // Opens a subdirectory relative to this one.
  Result<Dir> openChild(std::string_view name) const;

  int fd() const { return fd_.get(); }
  bool valid() const { return fd_.valid(); }
  const std::string& path() const { return path_; }
  std::string pathOf(std::string_view name) const;

  // From now on, files read through readFileAt stay open and are re-read with pread at
  // offset 0 (kernfs and procfs regenerate the content on every read from 0). That turns
  // open+read+close into one syscall: the collector's hot path. Each open kernfs file pins
  // a seq_file buffer (a page) in the kernel, so this is for handles read again and again.
  // Past three quarters of the fd limit a directory reverts to one-shot reads.
  // Not thread-safe: one reader at a time per Dir.
  void keepFilesOpen() { keepFilesOpen_ = true; }
  // The same for one file only: for a file read far more often than its neighbours (every
  // held file costs the reads of all of them cache misses, so hold only what pays).
  void keepFileOpen(const char* name) const { holdOnly_.push_back(name); }
  // Whether readFileAt holds `name` open.
  bool holds(const char* name) const;
  // The held fd for `name` (a constant: looked up by pointer, then by text), opening it on
  // first use; -1 with errno set on failure.
  int heldFile(const char* name) const;

 private:
  struct HeldFile {
    const char* name;
    UniqueFd fd;
  };
  UniqueFd fd_;
  std::string path_;
  mutable bool keepFilesOpen_ = false;
  mutable std::vector<const char*> holdOnly_;
  mutable std::vector<HeldFile> heldFiles_;
};

// Reads the whole file `name` under `dir` into `buffer`; the view points into `buffer`.
// A file larger than the buffer is an error (EFBIG): control files have known small sizes.
Result<std::string_view> readFileAt(const Dir& dir, const char* name, std::span<char> buffer);
// Reads a file of any size (cgroup.procs of a large cgroup, mountinfo of a busy host).
Result<std::string> readWholeFileAt(const Dir& dir, const char* name);
Result<std::string> readWholeFile(const std::string& path);
// Writes `value` with a single write(2), as the kernel's control files expect.
Result<void> writeFileAt(const Dir& dir, const char* name, std::string_view value);
bool fileExistsAt(const Dir& dir, const char* name);
// Names of the subdirectories of `dir` (not "." or "..").
Result<std::vector<std::string>> listSubdirs(const Dir& dir);

}  // namespace agent
