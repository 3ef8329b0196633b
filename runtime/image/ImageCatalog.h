#pragma once
// The images of the layered store: one record per image id (the sha256 of its config blob),
// DATA_DIR/image-store/images/<hex>.json, with its names, its layers' diff_ids (base first)
// and its config as the archive had it (LayeredImageStore.h ties them to the layers).
#include <cstdint>
#include <string>
#include <vector>

#include "Error.h"
#include "ImageConfig.h"

namespace agent::image {

struct StoredImage {
  std::string id;                   // sha256:... of the config blob
  std::vector<std::string> names;   // "repo:tag"; none: only its id names it (docker's <none>)
  std::vector<std::string> layers;  // diff_ids, base first
  std::string configJson;           // the config blob as loaded (its sha256 is the id)
  ImageConfig config;               // parsed from configJson
  std::string format;               // what it was loaded from (LoadPlan.h)
  int64_t loadedAtUnixMs = 0;
};

class ImageCatalog {
 public:
  explicit ImageCatalog(std::string root) : dir_(std::move(root) + "/images") {}

  Result<void> prepare() const;
  Result<std::vector<StoredImage>> list() const;  // unreadable records are skipped
  Result<StoredImage> get(const std::string& id) const;
  Result<void> put(const StoredImage& image) const;  // written whole, atomically
  Result<void> remove(const std::string& id) const;

 private:
  std::string pathOf(const std::string& id) const;
  std::string dir_;
};

}  // namespace agent::image
