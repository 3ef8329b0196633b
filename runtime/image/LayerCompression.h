#pragma once
// How a layer blob is stored, told by its first bytes (never by a file name or media type:
// docker save names a gzipped layer `layer.tar`). Pure.
#include <string_view>

namespace agent::image {

enum class LayerCompression { None, Gzip, Zstd };

// Gzip: 1f 8b (RFC 1952); zstd: 28 b5 2f fd (RFC 8878); anything else is read as a plain tar.
LayerCompression compressionOf(std::string_view firstBytes);

std::string_view compressionName(LayerCompression compression);

}  // namespace agent::image
