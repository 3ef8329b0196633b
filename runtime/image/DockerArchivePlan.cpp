#include "DockerArchivePlan.h"

#include "DockerArchiveManifest.h"
#include "OciLayoutPlan.h"
#include "PlanSteps.h"
#include "Sha256.h"
#include "SourcePath.h"

namespace agent::image {
namespace {

// The legacy layout names the config `<hex>.json` after its own digest: checked when it does.
std::string digestOfConfigName(const std::string& path) {
  constexpr std::string_view kSuffix = ".json";
  if (path.size() != 64 + kSuffix.size() || path.substr(64) != kSuffix) return "";
  std::string digest = std::string(kSha256Prefix) + path.substr(0, 64);
  return isSha256Digest(digest) ? digest : "";
}

// Names from `repositories` ({repo: {tag: <id>}}), for an entry of manifest.json without
// RepoTags. The id is the top layer's: its directory in the legacy layout, its digest's hex
// in Docker >= 25's (blobs/sha256/<hex>).
std::vector<std::string> namesFromRepositories(const DockerRepositories& repositories, const std::string& topLayer) {
  std::vector<std::string> names;
  std::string digest = digestOfBlobPath(topLayer);
  std::string id = digest.empty() ? topLayer.substr(0, topLayer.find('/')) : std::string(digestHex(digest));
  if (id == topLayer) return names;  // neither <id>/layer.tar nor blobs/sha256/<hex>
  for (const auto& [repository, tags] : repositories) {
    for (const auto& [tag, tagId] : tags) {
      if (tagId == id) names.push_back(repository + ":" + tag);
    }
  }
  return names;
}

Result<PlannedImage> planEntry(const BlobSource& source, const DockerArchiveEntry& entry, size_t number,
                               const DockerRepositories& repositories, bool ociInside) {
  std::string namedBy = "`manifest.json` entry " + std::to_string(number);
  auto configPath = normalizeSourcePath(entry.config, "manifest.json");
  if (!configPath) return tl::unexpected(configPath.error());
  // Docker >= 25: the path is blobs/sha256/<digest>; legacy: <digest>.json. Either way the
  // name is the digest when it looks like one, and it is checked.
  std::string expected = digestOfBlobPath(*configPath);
  if (expected.empty()) expected = digestOfConfigName(*configPath);
  std::string configJson;
  if (!expected.empty()) {
    auto verified = readVerified(source, *configPath, expected, -1, namedBy);
    if (!verified) return tl::unexpected(verified.error());
    configJson = std::move(*verified);
  } else {
    auto bytes = source.read(*configPath, kMaxDocumentBytes);
    if (!bytes && bytes.error().errnum == ENOENT)
      return userError("`" + *configPath + "` (named by " + namedBy +
                       ") is missing from the image source; it is incomplete");
    if (!bytes) return tl::unexpected(bytes.error());
    configJson = std::move(*bytes);
  }
  std::vector<PlannedLayer> layers;
  for (const auto& layer : entry.layers) {
    auto path = normalizeSourcePath(layer, "manifest.json");
    if (!path) return tl::unexpected(path.error());
    if (auto present = checkLayerFile(source, *path, -1, namedBy); !present) return tl::unexpected(present.error());
    layers.push_back({*path, digestOfBlobPath(*path), ""});
  }
  std::vector<std::string> names = entry.repoTags;
  if (names.empty() && !entry.layers.empty()) names = namesFromRepositories(repositories, layers.back().path);
  std::string digest = sha256Digest(configJson);
  return plannedImageOf(std::move(configJson), std::move(digest), *configPath, std::move(layers), std::move(names),
                        ociInside ? "docker-archive-oci" : "docker-archive");
}

}  // namespace

Result<std::vector<PlannedImage>> planDockerArchive(const BlobSource& source) {
  auto text = source.read(kDockerManifestFile, kMaxIndexBytes);
  if (!text) return tl::unexpected(text.error());
  auto entries = parseDockerArchiveManifest(*text, kDockerManifestFile);
  if (!entries) return tl::unexpected(entries.error());
  if (entries->empty()) return userError("`manifest.json` lists no image; there is nothing to load");
  DockerRepositories repositories;
  if (source.exists(kDockerRepositoriesFile)) {
    auto repositoriesText = source.read(kDockerRepositoriesFile, kMaxIndexBytes);
    if (!repositoriesText) return tl::unexpected(repositoriesText.error());
    auto parsed = parseDockerRepositories(*repositoriesText, kDockerRepositoriesFile);
    if (!parsed) return tl::unexpected(parsed.error());
    repositories = std::move(*parsed);
  }
  bool ociInside = source.exists(kOciLayoutFile);
  std::vector<PlannedImage> images;
  for (size_t i = 0; i < entries->size(); ++i) {
    auto image = planEntry(source, (*entries)[i], i, repositories, ociInside);
    if (!image) return tl::unexpected(image.error());
    images.push_back(std::move(*image));
  }
  mergeSameImages(images);
  return images;
}

}  // namespace agent::image
