#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "Error.h"

namespace agent::image {

struct BlobRange {
  int fd = -1;
  uint64_t offset = 0;
  uint64_t length = 0;
};
class BlobSource {
 public:
  virtual ~BlobSource() = default;
  virtual bool exists(const std::string& path) const = 0;
  virtual Result<std::string> read(const std::string& path, size_t maxBytes) const = 0;
  virtual Result<BlobRange> range(const std::string& path) const = 0;
};
Result<std::unique_ptr<BlobSource>> openImageSource(const std::string& path);

}  // namespace agent::image
