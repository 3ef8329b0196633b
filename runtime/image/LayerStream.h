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

class LayerStream {
 public:
  LayerStream(int fd, uint64_t offset, uint64_t length);

  // Up to output.size() bytes of the tar; 0 once the blob is read to its end and its
  // compressed stream ended cleanly. Refusals are fragments following "layer <digest> ".
  Result<size_t> read(std::span<char> output);
  // Reads what is left of the blob, without decoding it, into the stored digest: a refused
  // layer is still named by its digest.
  Result<void> hashRest();

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

  int fd_;
  uint64_t offset_, length_;
  uint64_t storedBytes_ = 0, tarBytes_ = 0;
  std::vector<char> buffer_;
  std::string_view pending_;  // read from the blob, not yet decoded
  LayerCompression compression_ = LayerCompression::None;
  std::unique_ptr<LayerDecoder> decoder_;
  bool ended_ = false;
  Sha256 storedHash_, tarHash_;
  std::string storedDigest_, tarDigest_;
};

}  // namespace agent::image
