#include "DockerArchiveManifest.h"

#include "JsonFields.h"

namespace agent::image {

Result<std::vector<DockerArchiveEntry>> parseDockerArchiveManifest(std::string_view text, const std::string& file) {
  constexpr std::string_view kExpected = "docker save's manifest.json (an array of {Config, RepoTags, Layers})";
  auto document = parseJsonDocument(text, file, kExpected);
  if (!document) return tl::unexpected(document.error());
  JsonPlace top{file, "", ""};
  if (!document->is_array()) return jsonRefusal(top, "is an object, expected " + std::string(kExpected));
  std::vector<DockerArchiveEntry> entries;
  for (size_t i = 0; i < document->size(); ++i) {
    const auto& item = (*document)[i];
    JsonPlace at = top[i];
    if (!item.is_object()) return jsonRefusal(at, "is not an object, expected {Config, RepoTags, Layers}");
    DockerArchiveEntry entry;
    auto config = jsonString(item, at / "Config", true);
    if (!config) return tl::unexpected(config.error());
    entry.config = *config;
    auto tags = jsonStrings(item, at / "RepoTags");
    if (!tags) return tl::unexpected(tags.error());
    entry.repoTags = std::move(*tags);
    auto layers = jsonStrings(item, at / "Layers");  // absent or null: no layers
    if (!layers) return tl::unexpected(layers.error());
    entry.layers = std::move(*layers);
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<DockerRepositories> parseDockerRepositories(std::string_view text, const std::string& file) {
  constexpr std::string_view kExpected = "docker save's repositories ({\"repo\": {\"tag\": \"<id>\"}})";
  auto document = parseJsonDocument(text, file, kExpected);
  if (!document) return tl::unexpected(document.error());
  JsonPlace top{file, "", ""};
  if (!document->is_object()) return jsonRefusal(top, "is an array, expected " + std::string(kExpected));
  DockerRepositories repositories;
  for (const auto& [repository, tags] : document->items()) {
    auto map = jsonStringMap(*document, top / repository);
    if (!map) return tl::unexpected(map.error());
    if (!tags.is_object()) return jsonRefusal(top / repository, "is not an object, expected {\"tag\": \"<id>\"}");
    repositories[repository] = std::move(*map);
  }
  return repositories;
}

}  // namespace agent::image
