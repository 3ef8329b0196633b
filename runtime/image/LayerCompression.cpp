#include "LayerCompression.h"

namespace agent::image {

LayerCompression compressionOf(std::string_view firstBytes) {
  if (firstBytes.starts_with(std::string_view("\x1f\x8b", 2))) return LayerCompression::Gzip;
  if (firstBytes.starts_with(std::string_view("\x28\xb5\x2f\xfd", 4))) return LayerCompression::Zstd;
  return LayerCompression::None;
}

std::string_view compressionName(LayerCompression compression) {
  switch (compression) {
    case LayerCompression::Gzip:
      return "gzip";
    case LayerCompression::Zstd:
      return "zstd";
    case LayerCompression::None:
      break;
  }
  return "plain tar";
}

}  // namespace agent::image
