#pragma once
// Where each member of an uncompressed tar file lies, read once from its headers (libarchive,
// seeking over the data), so that a member is later read by range with pread, never copied.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "Error.h"

namespace agent::image {

struct TarMember {
  enum class Kind { file, directory, symlink, hardlink, other };
  Kind kind = Kind::other;
  uint64_t offset = 0;  // of the data in the tar file
  uint64_t size = 0;
  std::string linkTarget;  // symlink: as written; hard link: the member it names
};

class TarIndex {
 public:
  // Reads the headers of the tar open on `fd` (its position is moved); `tarPath` for messages.
  static Result<TarIndex> build(int fd, const std::string& tarPath);

  // The regular file `path` names, following symlinks (relative to the link's directory, an
  // absolute target from the archive's root) and hard links, within the archive only: a link
  // climbing above the archive's root is refused. ENOENT when there is no such member.
  Result<const TarMember*> resolve(std::string_view path) const;

  size_t size() const { return members_.size(); }

 private:
  std::string tarPath_;
  std::unordered_map<std::string, TarMember> members_;  // by normalized path
};

}  // namespace agent::image
