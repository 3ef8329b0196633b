#pragma once
#include <string>
#include <vector>

#include "BlobSource.h"
#include "ImageConfig.h"

namespace agent::image {

struct PlannedLayer {
  std::string path;
  std::string digest;
  std::string diffId;
};
struct PlannedImage {
  std::vector<std::string> names;
  std::string configDigest;
  std::string configJson;
  ImageConfig config;
  std::vector<PlannedLayer> layers;
  std::string format;
};
Result<std::vector<PlannedImage>> planLoad(const BlobSource& source);

}  // namespace agent::image
