#pragma once
// The uncompressed tar of one layer blob, read from a range of a file with pread (the fd's
// position is neither used nor moved: several layers of one archive share the fd), decoded
// by what its first bytes say, and hashed on the way twice: the stored bytes (the blob's
// digest) and the tar (the config's diff_id).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "Error.h"
#include "LayerCompression.h"
#include "LayerDecoder.h"
#include "Sha256.h"

namespace agent::image {

// What the image store leaves free on its filesystem while a layer unpacks: 5% of the
// filesystem, at most 1 GiB (the kernel's own reserve for root is separate and is not
// counted: f_bavail is what is free for ordinary users).
uint64_t spaceReserveBytes(uint64_t filesystemBytes);

class LayerStream {
 public:
  LayerStream(int fd, uint64_t offset, uint64_t length);

  // Up to output.size() bytes of the tar; 0 once the blob is read to its end and its
  // compressed stream ended cleanly. Refusals are fragments following "layer <digest> ".
  Result<size_t> read(std::span<char> output);
  // Reads what is left of the blob, without decoding it, into the stored digest: a refused
  // layer is still named by its digest.
  Result<void> hashRest();

  // Refuses to go on (read() fails) once the filesystem holding `dirFd` would keep less than
  // its reserve free (spaceReserveBytes): a layer that decompresses to far more than it
  // stores (a gzip bomb, or just a huge layer) stops before the host's disk is full. Checked
  // every kSpaceCheckBytes of tar.
  void guardSpace(int dirFd) { spaceFd_ = dirFd; }
  static constexpr uint64_t kSpaceCheckBytes = 4 << 20;

  LayerCompression compression() const { return compression_; }
  uint64_t storedBytes() const { return storedBytes_; }
  uint64_t tarBytes() const { return tarBytes_; }
  // read() gave 0: the blob is read to its end and its compressed stream ended cleanly.
  bool ended() const { return ended_; }
  // "sha256:..." once the blob is read to its end (read() gave 0, or hashRest()).
  const std::string& storedDigest();
  const std::string& tarDigest();

 private:
  Result<void> refill();
  Result<void> checkSpace();

  int fd_;
  uint64_t offset_, length_;
  uint64_t storedBytes_ = 0, tarBytes_ = 0;
  std::vector<char> buffer_;
  std::string_view pending_;  // read from the blob, not yet decoded
  LayerCompression compression_ = LayerCompression::None;
  std::unique_ptr<LayerDecoder> decoder_;
  bool ended_ = false;
  int spaceFd_ = -1;
  uint64_t nextSpaceCheck_ = 0;
  Sha256 storedHash_, tarHash_;
  std::string storedDigest_, tarDigest_;
};

}  // namespace agent::image
