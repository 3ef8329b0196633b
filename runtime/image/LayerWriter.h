#pragma once
// Writes the entries of one layer into its directory, in the order the tar gives them, as
// overlayfs will read the directory as a lower layer: whiteouts turned into 0/0 character
// devices and the opaque xattr. What depends on the whole layer waits for finish():
// whiteouts (the layer's own entry of a name wins over its whiteout, wherever the whiteout
// sits: OCI layer.md, "Whiteout files MUST only apply to resources in lower/parent layers"),
// the opaque markers, and directories' times (writing into a directory changes its mtime).
//
// Why not libarchive's archive_write_disk: it resolves names as strings from the working
// directory (not from a descriptor on the layer, so nothing holds it inside), its
// ARCHIVE_EXTRACT_SECURE_SYMLINKS refuses a link on the way but not one made meanwhile, it
// lets a hard link name any file the process can reach, and it knows no whiteouts.
#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "Error.h"
#include "LayerTree.h"
#include "UniqueFd.h"

namespace agent::image {

struct LayerEntry {
  enum class Type { File, Directory, Symlink, HardLink, CharDevice, BlockDevice, Fifo };
  std::string path;  // as layerPathOf gives it: "" is the layer's root
  Type type = Type::File;
  std::string
      linkName;        // Symlink: its text (any: it resolves inside the container's root); HardLink: the target's name
  mode_t mode = 0644;  // permissions with setuid, setgid and sticky (07777)
  uid_t uid = 0;
  gid_t gid = 0;
  timespec atime{}, mtime{};
  dev_t device = 0;                                         // CharDevice, BlockDevice
  uint64_t size = 0;                                        // File
  std::vector<std::pair<std::string, std::string>> xattrs;  // from pax SCHILY.xattr.*
};

// The xattrs a layer may set: security.capability (file capabilities, e.g. ping's) and
// user.*. Others are skipped quietly: trusted.* would let a layer forge overlayfs' own
// (trusted.overlay.redirect, .metacopy), security.selinux is the host's policy.
bool isLayerXattrKept(std::string_view name);

class LayerWriter {
 public:
  explicit LayerWriter(int rootFd) : tree_(rootFd) {}

  // Writes `entry` (a File is created empty and returned, to be filled and then passed to
  // completeFile), records a whiteout, or drops AUFS metadata. Errors follow "layer <digest> ".
  Result<std::optional<UniqueFd>> add(const LayerEntry& entry);
  // A File's data is in `fd` (`written` bytes, or its extent for a sparse file): owner, mode,
  // xattrs and times now, in that order (chown clears setuid bits and file capabilities).
  Result<void> completeFile(const LayerEntry& entry, int fd, uint64_t written, bool sparse);
  // Whiteouts, opaque markers, directories' times, the root's attributes.
  Result<void> finish();

  uint64_t fileBytes() const { return fileBytes_; }

 private:
  struct Whiteout {
    std::string directory, name, entry;
  };
  // Where an entry goes: its parent directory (made as needed, inside the layer) and its
  // name, with whatever was there before removed (a directory kept when `keepDirectory`).
  struct Place {
    UniqueFd parent;
    std::string leaf;
    LayerTree::Cleared cleared;
  };
  Result<Place> clearPlaceFor(const std::string& path, bool keepDirectory);
  Result<void> addDirectory(const LayerEntry& entry);
  Result<void> addHardLink(const LayerEntry& entry);
  Result<void> addNode(const LayerEntry& entry, int parent, const std::string& leaf);
  Result<void> setXattrs(const LayerEntry& entry, int fd);
  Result<void> applyWhiteouts();
  Result<void> applyDirectoryTimes();
  // A new entry at `path` (not a directory) or a directory replaced: what was recorded below it goes.
  void forgetBelow(const std::string& path);

  LayerTree tree_;
  std::unordered_set<std::string> linkable_;  // non-directories written so far: hard link targets
  std::map<std::string, std::pair<timespec, timespec>> directoryTimes_;
  std::vector<Whiteout> whiteouts_;
  std::vector<Whiteout> opaque_;
  std::optional<LayerEntry> root_;
  uint64_t fileBytes_ = 0;
};

}  // namespace agent::image
