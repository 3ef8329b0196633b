#pragma once
// Unpacked layers, content-addressed by diff_id (the sha256 of the layer's uncompressed tar,
// as an image config lists them): each layer is unpacked once, into its own directory, and
// every image that has it uses that directory (docs/images.md).
//
// Layout under `root` (DATA_DIR/image-store):
//   layers/<diff_id hex>/diff/         the layer's files, whiteouts converted for overlayfs
//   layers/<diff_id hex>/layer.json    {diff_id, digest, file_bytes, short}
//   l/<short>  -> ../layers/<hex>/diff a 10-character name for the overlay's lowerdir, so 120
//                                      layers fit in the mount options' page (as podman's l/)
//   tmp/                               layers being unpacked; emptied at start
#include <optional>
#include <string>
#include <vector>

#include "Error.h"
#include "LayerUnpacker.h"

namespace agent::image {

struct StoredLayer {
  std::string diffId;     // sha256:...
  std::string digest;     // sha256 of the blob it came from, as stored there (compressed or not)
  std::string shortName;  // under l/
  uint64_t fileBytes = 0;
};

class LayerStore {
 public:
  explicit LayerStore(std::string root) : root_(std::move(root)) {}

  // Makes the directories; removes what an interrupted load left in tmp/.
  Result<void> prepare() const;
  std::optional<StoredLayer> find(const std::string& diffId) const;
  Result<std::vector<StoredLayer>> list() const;
  // A path under tmp/ for unpackLayer (which creates it).
  std::string stagingPath() const;
  // Moves a staged, verified layer into place under its diff_id. When the same diff_id was
  // stored meanwhile the staged copy is dropped and the stored one returned.
  Result<StoredLayer> commit(const std::string& stagedDir, const UnpackedLayer& unpacked);
  // Renamed away first (so no half-deleted layer is ever found), then deleted.
  Result<void> remove(const std::string& diffId);

  const std::string& root() const { return root_; }
  // The overlay's lowerdir entry for a layer, relative to root(): "l/<short>".
  static std::string lowerDirOf(const StoredLayer& layer) { return "l/" + layer.shortName; }
  std::string diffDirOf(const std::string& diffId) const;

 private:
  std::string layerDirOf(const std::string& diffId) const;
  std::string root_;
};

}  // namespace agent::image
