#pragma once
// One layer blob -> one directory overlayfs can take as a lower layer (docs/images.md,
// "Layers"). The stream (LayerStream: pread, gzip/zstd/plain by magic, both digests) is read
// as a tar by libarchive; LayerWriter writes each entry relative to a descriptor on the
// directory and converts whiteouts.
#include <cstdint>
#include <string>

#include "Error.h"

namespace agent::image {

struct UnpackedLayer {
  std::string digest;        // "sha256:..." of the bytes read from the blob (compressed as stored)
  std::string diffId;        // "sha256:..." of the uncompressed tar stream (the config's rootfs.diff_ids)
  uint64_t storedBytes = 0;  // bytes read from the blob
  uint64_t tarBytes = 0;     // bytes of the uncompressed tar
  uint64_t fileBytes = 0;    // sum of regular files' sizes written (for `image ls` SIZE)
};

// Unpacks one layer blob: `length` bytes of `fd` from `offset` (pread: the fd's position is
// not used or moved), plain tar, gzip or zstd, told apart by magic bytes (never by name).
// `dir` must not exist; it is created, filled, and on any failure removed again (nothing
// half-unpacked stays). Whiteouts are converted for overlayfs (.wh.NAME -> 0/0 character
// device NAME; .wh..wh..opq -> xattr trusted.overlay.opaque=y on its directory), whatever
// the entry order. Refused, naming the entry: `..` escapes, writes through symlinks,
// hard links to outside the layer or to nothing earlier in it, device nodes other than
// whiteouts are allowed (root makes them; the devices cgroup guards their use), sizes that
// disagree with the stream. Owners, modes, mtimes kept (as tar has them).
Result<UnpackedLayer> unpackLayer(int fd, uint64_t offset, uint64_t length, const std::string& dir);

}  // namespace agent::image
