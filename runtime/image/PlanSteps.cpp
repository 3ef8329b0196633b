#include "PlanSteps.h"

#include <algorithm>

#include "Sha256.h"

namespace agent::image {

Result<std::string> readVerified(const BlobSource& source, const std::string& path, const std::string& digest,
                                 int64_t size, const std::string& namedBy) {
  auto bytes = source.read(path, kMaxDocumentBytes);
  if (!bytes && bytes.error().errnum == ENOENT)
    return userError("`" + path + "` (named by " + namedBy + ") is missing from the image source; it is incomplete");
  if (!bytes) return tl::unexpected(bytes.error());  // a link out of the archive, too big, unreadable
  if (size >= 0 && bytes->size() != static_cast<uint64_t>(size))
    return userError("`" + path + "` has " + std::to_string(bytes->size()) + " bytes where " + namedBy + " says " +
                     std::to_string(size) + "; the image source is damaged or was changed: save it again");
  std::string found = sha256Digest(*bytes);
  if (found != digest)
    return userError("`" + path + "` has digest " + found + " where " + namedBy + " says " + digest +
                     "; the image source is damaged or was changed: save it again");
  return bytes;
}

Result<void> checkLayerFile(const BlobSource& source, const std::string& path, int64_t size,
                            const std::string& namedBy) {
  auto range = source.range(path);
  if (!range && range.error().errnum == ENOENT)
    return userError("layer `" + path + "` (named by " + namedBy +
                     ") is missing from the image source; it is incomplete");
  if (!range) return tl::unexpected(range.error());
  if (size >= 0 && range->length != static_cast<uint64_t>(size))
    return userError("layer `" + path + "` has " + std::to_string(range->length) + " bytes where " + namedBy +
                     " says " + std::to_string(size) + "; the image source is truncated or damaged: save it again");
  return {};
}

Result<PlannedImage> plannedImageOf(std::string configJson, std::string configDigest, const std::string& configPath,
                                    std::vector<PlannedLayer> layers, std::vector<std::string> names,
                                    std::string format) {
  auto config = parseImageConfig(configJson, configPath);
  if (!config) return tl::unexpected(config.error());
  if (config->diffIds.size() != layers.size())
    return userError("the image config `" + configPath + "` lists " + std::to_string(config->diffIds.size()) +
                     " layers (rootfs.diff_ids) where its manifest lists " + std::to_string(layers.size()) +
                     "; the image is inconsistent and is not loaded");
  for (size_t i = 0; i < layers.size(); ++i) layers[i].diffId = config->diffIds[i];
  PlannedImage image;
  image.names = std::move(names);
  image.configDigest = std::move(configDigest);
  image.configJson = std::move(configJson);
  image.config = std::move(*config);
  image.layers = std::move(layers);
  image.format = std::move(format);
  return image;
}

void mergeSameImages(std::vector<PlannedImage>& images) {
  auto sameLayers = [](const PlannedImage& a, const PlannedImage& b) {
    return std::equal(
        a.layers.begin(), a.layers.end(), b.layers.begin(), b.layers.end(),
        [](const PlannedLayer& x, const PlannedLayer& y) { return x.path == y.path && x.digest == y.digest; });
  };
  std::vector<PlannedImage> merged;
  for (auto& image : images) {
    auto same = std::find_if(merged.begin(), merged.end(), [&](const PlannedImage& m) {
      return m.configDigest == image.configDigest && sameLayers(m, image);
    });
    if (same == merged.end()) {
      merged.push_back(std::move(image));
      continue;
    }
    for (auto& name : image.names) {
      if (std::find(same->names.begin(), same->names.end(), name) == same->names.end()) same->names.push_back(name);
    }
  }
  images = std::move(merged);
}

}  // namespace agent::image
