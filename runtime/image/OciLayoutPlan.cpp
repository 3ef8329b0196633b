#include "OciLayoutPlan.h"

#include "PlanSteps.h"
#include "SourcePath.h"

namespace agent::image {
namespace {

// index.json -> index -> manifest is containerd's depth; more than this is a loop or abuse.
constexpr int kMaxIndexDepth = 8;

bool isLinuxAmd64(const Descriptor& d) {
  return d.hasPlatform && d.platform.os == "linux" && d.platform.architecture == "amd64";
}

std::string platformText(const Descriptor& d) {
  if (!d.hasPlatform) return "no platform";
  return d.platform.os + "/" + d.platform.architecture + (d.platform.variant.empty() ? "" : "/" + d.platform.variant);
}

tl::unexpected<Error> refuseMediaType(const Descriptor& d, const std::string& namedBy, std::string_view expected) {
  return userError(namedBy + " names `" + blobPathOf(d.digest) + "` of media type `" + d.mediaType + "`, expected " +
                   std::string(expected) + "; such content is not an image this agent runs");
}

// Follows `descriptor` (from index.json or a nested index) down to a manifest.
Result<std::pair<Descriptor, OciManifest>> manifestOf(const BlobSource& source, Descriptor descriptor,
                                                      std::string namedBy) {
  for (int depth = 0; depth <= kMaxIndexDepth; ++depth) {
    std::string path = blobPathOf(descriptor.digest);
    MediaKind kind = mediaKindOf(descriptor.mediaType);
    if (kind != MediaKind::index && kind != MediaKind::manifest)
      return refuseMediaType(descriptor, namedBy, "an image manifest or index (OCI or Docker v2 schema 2)");
    auto text = readVerified(source, path, descriptor.digest, descriptor.size, namedBy);
    if (!text) return tl::unexpected(text.error());
    if (kind == MediaKind::manifest) {
      auto manifest = parseOciManifest(*text, path);
      if (!manifest) return tl::unexpected(manifest.error());
      return std::pair{std::move(descriptor), std::move(*manifest)};
    }
    auto index = parseOciIndex(*text, path);
    if (!index) return tl::unexpected(index.error());
    auto chosen = chooseLinuxAmd64(*index, path);
    if (!chosen) return tl::unexpected(chosen.error());
    descriptor = std::move(*chosen);
    namedBy = "the index `" + path + "`";
  }
  return userError(namedBy + " nests indexes more than " + std::to_string(kMaxIndexDepth) + " deep; it is not read");
}

Result<PlannedImage> planManifest(const BlobSource& source, const OciManifest& manifest,
                                  const std::string& manifestPath, std::vector<std::string> names) {
  std::string namedBy = "the manifest `" + manifestPath + "`";
  if (mediaKindOf(manifest.config.mediaType) != MediaKind::config)
    return refuseMediaType(manifest.config, namedBy, "an image config (OCI or Docker)");
  std::string configPath = blobPathOf(manifest.config.digest);
  auto config = readVerified(source, configPath, manifest.config.digest, manifest.config.size, namedBy);
  if (!config) return tl::unexpected(config.error());
  std::vector<PlannedLayer> layers;
  for (const auto& layer : manifest.layers) {
    if (mediaKindOf(layer.mediaType) != MediaKind::layer)
      return refuseMediaType(layer, namedBy, "a layer (tar, tar+gzip or tar+zstd)");
    std::string path = blobPathOf(layer.digest);
    if (auto present = checkLayerFile(source, path, layer.size, namedBy); !present)
      return tl::unexpected(present.error());
    layers.push_back({path, layer.digest, ""});
  }
  return plannedImageOf(std::move(*config), manifest.config.digest, configPath, std::move(layers), std::move(names),
                        "oci-layout");
}

}  // namespace

std::string imageNameOf(const Descriptor& descriptor) {
  for (auto key : {kContainerdNameAnnotation, kRefNameAnnotation}) {
    auto found = descriptor.annotations.find(std::string(key));
    if (found != descriptor.annotations.end() && !found->second.empty()) return found->second;
  }
  return "";
}

Result<Descriptor> chooseLinuxAmd64(const OciIndex& index, const std::string& file) {
  const Descriptor* withoutPlatform = nullptr;
  size_t withoutPlatformCount = 0;
  std::string offered;
  for (const auto& d : index.manifests) {
    if (isLinuxAmd64(d)) return d;
    if (!d.hasPlatform) {
      withoutPlatform = &d;
      ++withoutPlatformCount;
    }
    offered += (offered.empty() ? "" : ", ") + platformText(d);
  }
  if (withoutPlatformCount == 1) return *withoutPlatform;
  if (index.manifests.empty()) return userError("the index `" + file + "` lists no manifest; there is no image in it");
  return userError("the index `" + file + "` has no manifest for linux/amd64 (it has: " + offered +
                   "); save the image for linux/amd64 (e.g. `docker save --platform linux/amd64`)");
}

Result<std::vector<PlannedImage>> planOciLayout(const BlobSource& source) {
  auto marker = source.read(kOciLayoutFile, 4096);
  if (!marker && marker.error().errnum == ENOENT)
    return userError(
        "`index.json` is there but `oci-layout` is not: an OCI image layout has both (image-layout.md); "
        "the source is incomplete");
  if (!marker) return tl::unexpected(marker.error());
  if (auto layout = checkOciLayoutFile(*marker, kOciLayoutFile); !layout) return tl::unexpected(layout.error());
  auto text = source.read(kOciIndexFile, kMaxIndexBytes);
  if (!text && text.error().errnum == ENOENT)
    return userError(
        "`oci-layout` is there but `index.json` is not: an OCI image layout has both (image-layout.md); "
        "the source is incomplete");
  if (!text) return tl::unexpected(text.error());
  auto index = parseOciIndex(*text, kOciIndexFile);
  if (!index) return tl::unexpected(index.error());
  std::vector<PlannedImage> images;
  std::string skipped;
  for (size_t i = 0; i < index->manifests.size(); ++i) {
    const Descriptor& entry = index->manifests[i];
    // index.json lists images; one given for another platform is left out, not refused.
    if (entry.hasPlatform && !isLinuxAmd64(entry)) {
      skipped += (skipped.empty() ? "" : ", ") + platformText(entry);
      continue;
    }
    std::string namedBy = "`index.json` entry " + std::to_string(i);
    auto manifest = manifestOf(source, entry, namedBy);
    if (!manifest) return tl::unexpected(manifest.error());
    std::string name = imageNameOf(entry);
    auto image = planManifest(source, manifest->second, blobPathOf(manifest->first.digest),
                              name.empty() ? std::vector<std::string>{} : std::vector<std::string>{name});
    if (!image) return tl::unexpected(image.error());
    images.push_back(std::move(*image));
  }
  if (images.empty() && !skipped.empty())
    return userError("`index.json` has no image for linux/amd64 (it has: " + skipped +
                     "); save the image for linux/amd64");
  if (images.empty()) return userError("`index.json` lists no image; there is nothing to load");
  mergeSameImages(images);
  return images;
}

}  // namespace agent::image
