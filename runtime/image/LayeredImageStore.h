#pragma once
// Images made of layers (docs/images.md): loaded from what people have (docker save archives,
// OCI layouts: LoadPlan.h), each layer unpacked once by diff_id (LayerStore.h) and shared by
// every image that has it, images recorded by id with their names (ImageCatalog.h). One
// instance per agentd; its methods are safe to call from several threads.
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"
#include "ImageCatalog.h"
#include "LayerStore.h"

namespace agent::image {

struct LoadedImage {
  std::string id;
  std::vector<std::string> names;
  size_t layers = 0;     // the image's
  size_t layersNew = 0;  // unpacked by this load (the others were in the store already)
  uint64_t fileBytesNew = 0;
};

// What a container's root is made of: overlay lowerdir entries, top layer first, relative
// to `base` (the mounting process chdirs there: short options for 100+ layers).
struct RootLayers {
  std::string base;
  std::vector<std::string> lowerDirs;
};

struct ImageSizes {
  uint64_t size = 0;    // every layer's files
  uint64_t shared = 0;  // of which in layers another image also has
  uint64_t unique = 0;  // size - shared
};

struct RemovedImage {
  std::vector<std::string> untagged;  // names taken off
  std::string deletedId;              // empty when the image stays (it has other names)
  size_t layersDeleted = 0;
};

class LayeredImageStore {
 public:
  explicit LayeredImageStore(std::string root);

  // Makes the store's directories and empties what an interrupted load left. Call once.
  Result<void> prepare();

  // Loads every image `sourcePath` holds (a tar file or an OCI layout directory). A layer
  // whose digest or diff_id differs from what the manifest and config say is refused, naming
  // it; on any failure nothing of this load stays (layers it unpacked that no image uses are
  // removed). A name an older image had moves to the loaded one, as `docker load` does.
  // `progress` gets one line per step ("layer 2/5 sha256:ab12... unpacked, 3.1 MB").
  Result<std::vector<LoadedImage>> load(const std::string& sourcePath,
                                        const std::function<void(const std::string&)>& progress = {});

  Result<std::vector<StoredImage>> list() const;
  // By name ("busybox" means busybox:latest), full id, or a unique id prefix of 4+ hex digits
  // (with or without "sha256:"). ENOENT when none matches: the message says how to list.
  Result<StoredImage> resolve(std::string_view reference) const;
  bool has(std::string_view reference) const { return resolve(reference).has_value(); }
  Result<RootLayers> rootLayers(const StoredImage& image) const;
  // Sizes of every image, with what each shares with others (`image ls`).
  Result<std::map<std::string, ImageSizes>> sizes() const;

  // Gives the image `reference` names the extra name `name` (taken from any other image).
  Result<void> tag(std::string_view reference, std::string_view name);
  // What the containers use, asked when images or layers are to be deleted.
  struct Usage {
    std::function<bool(const std::string& imageId)> image;
    std::function<bool(const std::string& diffId)> layer;
  };
  // A name removes that name, and the image with it when it was the last; an id removes the
  // image (refused when it has several names, unless force). An image a container uses is
  // refused unless force; its layers then stay until no container uses them (prune).
  Result<RemovedImage> remove(std::string_view reference, bool force, const Usage& usage);
  // Deletes layers no image uses and no container uses (`layerInUse(diffId)`).
  Result<std::vector<StoredLayer>> prune(const std::function<bool(const std::string& diffId)>& layerInUse);

 private:
  Result<StoredImage> resolveLocked(std::string_view reference) const;
  Result<void> takeNames(const std::vector<std::string>& names, const std::string& exceptId);
  // One load at a time, and no remove or prune during one: a load checks for a layer, unpacks
  // it, and records its image only at the end; a concurrent load of the same layer, or a
  // remove or prune deleting a layer it found already there, would break that. Taken before
  // mutex_, which guards the records and is held only briefly (list, resolve, tag).
  std::mutex loadMutex_;
  mutable std::mutex mutex_;
  LayerStore layers_;
  ImageCatalog catalog_;
};

}  // namespace agent::image
