#include "LayeredImageStore.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "BlobSource.h"
#include "ImageReference.h"
#include "LayerStream.h"
#include "LoadPlan.h"
#include "MessageText.h"
#include "Sha256.h"
#include "UnixTime.h"

namespace agent::image {

namespace fs = std::filesystem;

namespace {

std::string shortDigest(const std::string& digest) {
  return digest.substr(0, kSha256Prefix.size() + 12);
}

std::string megabytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

// What is wrong with the archive's copy of a layer the store has ("" when nothing): its
// digest where the manifest names one (the stored bytes hashed, not decoded), else its
// diff_id (decoded and hashed, not unpacked).
Result<std::string> knownLayerMismatch(const BlobRange& range, const PlannedLayer& layer) {
  LayerStream stream(range.fd, range.offset, range.length);
  if (!layer.digest.empty()) {
    if (auto read = stream.hashRest(); !read) return tl::unexpected(read.error());
    if (stream.storedDigest() == layer.digest) return std::string();
    return "has digest " + stream.storedDigest() + ", the manifest says " + layer.digest;
  }
  std::vector<char> buffer(256 * 1024);
  while (true) {
    auto n = stream.read(buffer);
    if (!n) return "could not be read: " + n.error().message();
    if (*n == 0) break;
  }
  if (stream.tarDigest() == layer.diffId) return std::string();
  return "is a tar of digest " + stream.tarDigest() + ", the image config says " + layer.diffId;
}

bool isHexPrefix(std::string_view text) {
  if (text.size() < 4 || text.size() > 64) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

LayeredImageStore::LayeredImageStore(std::string root) : layers_(root), catalog_(root) {}

Result<void> LayeredImageStore::prepare() {
  std::lock_guard lock(mutex_);
  if (auto r = layers_.prepare(); !r) return r;
  return catalog_.prepare();
}

Result<std::vector<LoadedImage>> LayeredImageStore::load(const std::string& sourcePath,
                                                         const std::function<void(const std::string&)>& progress) {
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  std::lock_guard loading(loadMutex_);
  auto source = openImageSource(sourcePath);
  if (!source) return tl::unexpected(source.error());
  auto plans = planLoad(**source);
  if (!plans) return tl::unexpected(plans.error());
  if (plans->empty())
    return userError("the image source " + quotedForMessage(sourcePath) + " holds no image; nothing was loaded");

  // Every layer first, the images' records last: a failure leaves no image behind, and the
  // layers this load unpacked are removed again (unless an image loaded meanwhile uses them).
  std::vector<std::string> unpackedHere;
  auto undo = [&] {
    std::lock_guard lock(mutex_);
    std::set<std::string> used;
    if (auto images = catalog_.list()) {
      for (const auto& image : *images) used.insert(image.layers.begin(), image.layers.end());
    }
    for (const auto& diffId : unpackedHere) {
      if (!used.count(diffId)) (void)layers_.remove(diffId);
    }
  };
  std::vector<LoadedImage> loaded;
  for (const auto& plan : *plans) {
    LoadedImage result{plan.configDigest, {}, plan.layers.size(), 0, 0};
    say("image " + shortDigest(plan.configDigest) + " (" + plan.format + "): " + std::to_string(plan.layers.size()) +
        " layers");
    for (size_t i = 0; i < plan.layers.size(); ++i) {
      const PlannedLayer& layer = plan.layers[i];
      std::string which = "layer " + std::to_string(i + 1) + "/" + std::to_string(plan.layers.size()) + " " +
                          quotedForMessage(layer.path);
      auto range = (*source)->range(layer.path);
      if (!range) {
        undo();
        return tl::unexpected(range.error());
      }
      if (layers_.find(layer.diffId)) {
        // The store's copy is not read again, but the archive's is still checked (as docker
        // load does): a damaged archive is refused whatever the store holds.
        auto mismatch = knownLayerMismatch(*range, layer);
        if (!mismatch) {
          undo();
          return tl::unexpected(mismatch.error());
        }
        if (!mismatch->empty()) {
          undo();
          return userError(which + " of image " + shortDigest(plan.configDigest) + " " + *mismatch +
                           "; the archive is corrupt, truncated or was altered: nothing was loaded");
        }
        say(which + ": " + shortDigest(layer.diffId) + " already in the store");
        continue;
      }
      std::string staged = layers_.stagingPath();
      auto unpacked = unpackLayer(range->fd, range->offset, range->length, staged);
      if (!unpacked) {
        undo();
        return tl::unexpected(unpacked.error());
      }
      auto refuse = [&](const std::string& why) {
        std::error_code ec;
        fs::remove_all(staged, ec);
        undo();
        return userError(which + " of image " + shortDigest(plan.configDigest) + " " + why +
                         "; the archive is corrupt, truncated or was altered: nothing was loaded");
      };
      if (!layer.digest.empty() && unpacked->digest != layer.digest)
        return refuse("has digest " + unpacked->digest + ", the manifest says " + layer.digest);
      if (unpacked->diffId != layer.diffId)
        return refuse("unpacks to a tar of digest " + unpacked->diffId + ", the image config says " + layer.diffId);
      auto stored = layers_.commit(staged, *unpacked);
      if (!stored) {
        undo();
        return tl::unexpected(stored.error());
      }
      unpackedHere.push_back(stored->diffId);
      ++result.layersNew;
      result.fileBytesNew += stored->fileBytes;
      say(which + ": " + shortDigest(layer.diffId) + " unpacked, " + megabytes(stored->fileBytes));
    }
    for (const auto& name : plan.names) {
      auto reference = parseImageReference(name);
      // An OCI layout's ref.name may be a bare word (umoci --image DIR:base, skopeo
      // oci:DIR:base): taken as a repository with tag latest, as podman load does; `latest`
      // alone is a tag without a repository, as buildkit and skopeo write it.
      bool bare = name.find(':') == std::string::npos;
      if (reference && (!bare || name != "latest")) {
        result.names.push_back(reference->text());
        if (bare) say("the name " + quotedForMessage(name) + " has no tag; loaded as " + reference->text());
      } else {
        say("the name " + quotedForMessage(name) +
            " is not REPOSITORY[:TAG]; the image is known by its id (agentctl image tag ID NAME names it)");
      }
    }
    loaded.push_back(std::move(result));
  }

  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < plans->size(); ++i) {
    const PlannedImage& plan = (*plans)[i];
    StoredImage image;
    if (auto existing = catalog_.get(plan.configDigest)) image = std::move(*existing);
    image.id = plan.configDigest;
    for (const auto& name : loaded[i].names) {
      if (std::find(image.names.begin(), image.names.end(), name) == image.names.end()) image.names.push_back(name);
    }
    image.layers.clear();
    for (const auto& layer : plan.layers) image.layers.push_back(layer.diffId);
    image.configJson = plan.configJson;
    image.config = plan.config;
    image.format = plan.format;
    image.loadedAtUnixMs = nowUnixMs();
    if (auto r = takeNames(image.names, image.id); !r) return tl::unexpected(r.error());
    if (auto r = catalog_.put(image); !r) return tl::unexpected(r.error());
    say("loaded " + (image.names.empty() ? image.id : image.names.front()) + " (" + image.id + ")");
  }
  return loaded;
}

Result<void> LayeredImageStore::takeNames(const std::vector<std::string>& names, const std::string& exceptId) {
  auto images = catalog_.list();
  if (!images) return tl::unexpected(images.error());
  for (auto& other : *images) {
    if (other.id == exceptId) continue;
    auto before = other.names.size();
    std::erase_if(other.names,
                  [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); });
    if (other.names.size() != before) {
      if (auto r = catalog_.put(other); !r) return r;
    }
  }
  return {};
}

Result<std::vector<StoredImage>> LayeredImageStore::list() const {
  std::lock_guard lock(mutex_);
  return catalog_.list();
}

Result<StoredImage> LayeredImageStore::resolve(std::string_view reference) const {
  std::lock_guard lock(mutex_);
  return resolveLocked(reference);
}

Result<StoredImage> LayeredImageStore::resolveLocked(std::string_view reference) const {
  auto images = catalog_.list();
  if (!images) return tl::unexpected(images.error());
  std::string wanted = normalizedReference(reference);
  for (const auto& image : *images) {
    if (std::find(image.names.begin(), image.names.end(), wanted) != image.names.end()) return image;
  }
  std::string_view hex = reference;
  if (hex.substr(0, kSha256Prefix.size()) == kSha256Prefix) hex.remove_prefix(kSha256Prefix.size());
  if (isHexPrefix(hex)) {
    const StoredImage* found = nullptr;
    for (const auto& image : *images) {
      if (digestHex(image.id).substr(0, hex.size()) != hex) continue;
      if (found)
        return userError("the id prefix " + quotedForMessage(std::string(reference)) +
                             " matches several images; give more of the id",
                         EINVAL);
      found = &image;
    }
    if (found) return *found;
  }
  return userError("no such image " + quotedForMessage(std::string(reference)) +
                       "; agentctl image ls lists the images, agentctl image load -i FILE loads one",
                   ENOENT);
}

Result<RootLayers> LayeredImageStore::rootLayers(const StoredImage& image) const {
  RootLayers root{layers_.root(), {}};
  // An image may hold one layer twice (Docker keys layers by their place in the chain: a COPY
  // repeated after a RUN deleting its file), and overlayfs refuses one directory twice among
  // its lowerdirs (ELOOP). Only the topmost copy counts: it has every path the lower one has,
  // above all that lies between them, so the lower one shows nothing through it.
  std::set<std::string> placed;
  for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it) {
    if (!placed.insert(*it).second) continue;
    auto layer = layers_.find(*it);
    if (!layer)
      return userError("the layer " + *it + " of image " + image.id +
                           " is missing from the image store; load the image again (agentctl image load)",
                       ENOENT);
    root.lowerDirs.push_back(LayerStore::lowerDirOf(*layer));
  }
  return root;
}

Result<std::map<std::string, ImageSizes>> LayeredImageStore::sizes() const {
  std::lock_guard lock(mutex_);
  auto images = catalog_.list();
  if (!images) return tl::unexpected(images.error());
  std::map<std::string, int> users;
  for (const auto& image : *images) {
    for (const auto& diffId : std::set<std::string>(image.layers.begin(), image.layers.end())) ++users[diffId];
  }
  std::map<std::string, uint64_t> bytes;
  std::map<std::string, ImageSizes> sizes;
  for (const auto& image : *images) {
    ImageSizes& size = sizes[image.id];
    for (const auto& diffId : std::set<std::string>(image.layers.begin(), image.layers.end())) {
      if (!bytes.count(diffId)) {
        auto layer = layers_.find(diffId);
        bytes[diffId] = layer ? layer->fileBytes : 0;
      }
      size.size += bytes[diffId];
      if (users[diffId] > 1) size.shared += bytes[diffId];
    }
    size.unique = size.size - size.shared;
  }
  return sizes;
}

Result<void> LayeredImageStore::tag(std::string_view reference, std::string_view name) {
  auto parsed = parseImageReference(name);
  if (!parsed) return tl::unexpected(parsed.error());
  std::lock_guard lock(mutex_);
  auto image = resolveLocked(reference);
  if (!image) return tl::unexpected(image.error());
  std::string text = parsed->text();
  if (auto r = takeNames({text}, image->id); !r) return r;
  if (std::find(image->names.begin(), image->names.end(), text) != image->names.end()) return {};
  image->names.push_back(text);
  return catalog_.put(*image);
}

Result<RemovedImage> LayeredImageStore::remove(std::string_view reference, bool force, const Usage& usage) {
  std::lock_guard loading(loadMutex_);
  std::lock_guard lock(mutex_);
  auto image = resolveLocked(reference);
  if (!image) return tl::unexpected(image.error());
  RemovedImage removed;
  std::string name = normalizedReference(reference);
  bool byName = std::find(image->names.begin(), image->names.end(), name) != image->names.end();
  if (byName && image->names.size() > 1) {
    std::erase(image->names, name);
    if (auto r = catalog_.put(*image); !r) return tl::unexpected(r.error());
    removed.untagged.push_back(name);
    return removed;
  }
  if (!byName && image->names.size() > 1 && !force)
    return userError("the image " + image->id.substr(0, 19) + " has several names (" + image->names.front() + ", " +
                         image->names[1] + "...); remove them one by one, or give -f to remove the image",
                     EBUSY);
  if (usage.image && usage.image(image->id) && !force)
    return userError("the image " + quotedForMessage(std::string(reference)) +
                         " is used by a container; remove the container first (agentctl rm), or give -f "
                         "(the container keeps its layers)",
                     EBUSY);
  if (auto r = catalog_.remove(image->id); !r) return tl::unexpected(r.error());
  removed.untagged = image->names;
  removed.deletedId = image->id;
  // Its layers go unless another image or a container has them.
  std::set<std::string> used;
  if (auto images = catalog_.list()) {
    for (const auto& other : *images) used.insert(other.layers.begin(), other.layers.end());
  }
  for (const auto& diffId : std::set<std::string>(image->layers.begin(), image->layers.end())) {
    if (used.count(diffId) || (usage.layer && usage.layer(diffId))) continue;
    if (layers_.remove(diffId)) ++removed.layersDeleted;
  }
  return removed;
}

Result<std::vector<StoredLayer>> LayeredImageStore::prune(const std::function<bool(const std::string&)>& layerInUse) {
  std::lock_guard loading(loadMutex_);
  std::lock_guard lock(mutex_);
  auto images = catalog_.list();
  if (!images) return tl::unexpected(images.error());
  std::set<std::string> used;
  for (const auto& image : *images) used.insert(image.layers.begin(), image.layers.end());
  auto layers = layers_.list();
  if (!layers) return tl::unexpected(layers.error());
  std::vector<StoredLayer> deleted;
  for (const auto& layer : *layers) {
    if (used.count(layer.diffId) || (layerInUse && layerInUse(layer.diffId))) continue;
    if (auto r = layers_.remove(layer.diffId); !r) return tl::unexpected(r.error());
    deleted.push_back(layer);
  }
  return deleted;
}

}  // namespace agent::image
