#pragma once
// Images: directories DATA_DIR/images/<name>/rootfs, the read-only lower layers of containers.
#include <string>
#include <vector>

#include "Error.h"
#include "TarImport.h"

namespace agent::container {

struct ImageInfo {
  std::string name;
  std::string rootfs;
  int64_t createdAtUnixMs = 0;
};

class ImageStore {
 public:
  explicit ImageStore(std::string imagesDir) : root_(std::move(imagesDir)) {}

  Result<std::vector<ImageInfo>> list() const;
  // Unpacks `tarPath` as image `name`: into a staging directory first, renamed into place
  // only when every entry was accepted, so a refused or broken tarball leaves nothing.
  // EEXIST when the name is taken.
  Result<TarImportSummary> import(const std::string& name, const std::string& tarPath) const;

 private:
  std::string root_;
};

}  // namespace agent::container
