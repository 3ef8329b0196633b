#pragma once
// Decompressors for layer blobs, fed piece by piece (a layer may be larger than memory):
// gzip through zlib (several members one after another, as pigz and `cat a.gz b.gz` write
// them), zstd through libzstd's streaming API (several frames), a plain tar copied through.
#include <memory>
#include <span>
#include <string_view>

#include "Error.h"
#include "LayerCompression.h"

namespace agent::image {

class LayerDecoder {
 public:
  virtual ~LayerDecoder() = default;
  // Decodes from the front of `input` (what it consumed is removed) into `output`; returns
  // the bytes written, 0 when it needs more input. Refusals are fragments that follow
  // "layer <digest> ", e.g. "is not valid gzip (...)".
  virtual Result<size_t> decode(std::string_view& input, std::span<char> output) = 0;
  // The input has ended and decode gives nothing more: refused if it ended inside a stream.
  virtual Result<void> finish() = 0;
};

std::unique_ptr<LayerDecoder> makeLayerDecoder(LayerCompression compression);

}  // namespace agent::image
