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

 private:
  UniqueFd fd_;
  std::string path_;
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
