#pragma once
#include <cstdint>
#include <string>

#include "Error.h"

namespace agent::image {

struct UnpackedLayer {
  std::string digest;
  std::string diffId;
  uint64_t storedBytes = 0;
  uint64_t tarBytes = 0;
  uint64_t fileBytes = 0;
};
Result<UnpackedLayer> unpackLayer(int fd, uint64_t offset, uint64_t length, const std::string& dir);

}  // namespace agent::image
