#pragma once
// The files of an image source: an OCI layout directory, or a tar file (docker save, an OCI
// layout in a tar, `skopeo copy ... docker-archive:`/`oci-archive:`), uncompressed. A gzipped
// or otherwise compressed whole archive is refused with what to do (decompress it first):
// layers are read by range straight from the file, which a compressed stream cannot give.
#include <cstdint>
#include <memory>
#include <string>

#include "Error.h"

namespace agent::image {

struct BlobRange {
  int fd = -1;  // owned by the source
  uint64_t offset = 0;
  uint64_t length = 0;
};

class BlobSource {
 public:
  virtual ~BlobSource() = default;
  // "index.json", "blobs/sha256/<hex>", "<id>/layer.tar"
  virtual bool exists(const std::string& path) const = 0;
  // Small files: JSON. A file longer than maxBytes is refused (EFBIG), naming it.
  virtual Result<std::string> read(const std::string& path, size_t maxBytes) const = 0;
  // Big files: layers, read later with pread without copying.
  virtual Result<BlobRange> range(const std::string& path) const = 0;
  // What the source is, for messages (the archive's or directory's path); may be empty.
  virtual std::string origin() const { return ""; }
};

// A directory or a regular file (tar). Paths inside are normalized ("./x" == "x"); symlinks
// inside a tar followed within the archive only (docker save's legacy layout links layers),
// and a directory's symlinks resolved inside the directory (openat2 RESOLVE_IN_ROOT).
Result<std::unique_ptr<BlobSource>> openImageSource(const std::string& path);

}  // namespace agent::image
