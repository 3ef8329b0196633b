#include "OciDocuments.h"

#include "JsonFields.h"
#include "Sha256.h"

namespace agent::image {
namespace {

using nlohmann::json;

Result<Descriptor> parseDescriptor(const json& object, const JsonPlace& place) {
  if (!object.is_object()) return jsonRefusal(place, "is not an object, expected a descriptor");
  Descriptor d;
  auto mediaType = jsonString(object, place / "mediaType", true);
  if (!mediaType) return tl::unexpected(mediaType.error());
  d.mediaType = *mediaType;
  auto digest = jsonString(object, place / "digest", true);
  if (!digest) return tl::unexpected(digest.error());
  if (!isSha256Digest(*digest))
    return jsonRefusal(place / "digest", "is `" + digest->substr(0, 80) +
                                             "`, expected a sha256 digest (`sha256:` and 64 lowercase hex digits; "
                                             "no other algorithm is read)");
  d.digest = *digest;
  auto size = jsonSize(object, place / "size", true);
  if (!size) return tl::unexpected(size.error());
  d.size = *size;
  auto annotations = jsonStringMap(object, place / "annotations");
  if (!annotations) return tl::unexpected(annotations.error());
  d.annotations = std::move(*annotations);
  auto platform = jsonObject(object, place / "platform", false);
  if (!platform) return tl::unexpected(platform.error());
  if (*platform != nullptr) {
    d.hasPlatform = true;
    auto os = jsonString(**platform, place / "platform" / "os", true);
    auto architecture = jsonString(**platform, place / "platform" / "architecture", true);
    auto variant = jsonString(**platform, place / "platform" / "variant", false);
    if (!os) return tl::unexpected(os.error());
    if (!architecture) return tl::unexpected(architecture.error());
    if (!variant) return tl::unexpected(variant.error());
    d.platform = {*os, *architecture, *variant};
  }
  return d;
}

Result<json> parseObjectDocument(std::string_view text, const std::string& file, std::string_view what) {
  auto document = parseJsonDocument(text, file, what);
  if (!document) return tl::unexpected(document.error());
  if (!document->is_object()) return jsonRefusal({file, "", ""}, "is an array, expected " + std::string(what));
  return document;
}

// schemaVersion 2 is the only one of these documents (Docker's schema 1 has no config).
Result<std::string> checkSchemaAndMediaType(const json& document, const std::string& file) {
  JsonPlace top{file, "", ""};
  auto version = jsonSize(document, top / "schemaVersion", true);
  if (!version) return tl::unexpected(version.error());
  if (*version != 2) return jsonRefusal(top / "schemaVersion", "is " + std::to_string(*version) + ", expected 2");
  return jsonString(document, top / "mediaType", false);
}

}  // namespace

MediaKind mediaKindOf(std::string_view type) {
  if (type == media_type::kOciIndex || type == media_type::kDockerManifestList) return MediaKind::index;
  if (type == media_type::kOciManifest || type == media_type::kDockerManifest) return MediaKind::manifest;
  if (type == media_type::kOciConfig || type == media_type::kDockerConfig) return MediaKind::config;
  constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
  if (type == kOciLayer || type == "application/vnd.oci.image.layer.v1.tar+gzip" ||
      type == "application/vnd.oci.image.layer.v1.tar+zstd" ||
      type == "application/vnd.docker.image.rootfs.diff.tar.gzip" ||
      type == "application/vnd.docker.image.rootfs.diff.tar.zstd" ||
      type == "application/vnd.docker.image.rootfs.diff.tar")
    return MediaKind::layer;
  return MediaKind::unknown;
}

Result<OciIndex> parseOciIndex(std::string_view text, const std::string& file) {
  auto document = parseObjectDocument(text, file, "an OCI image index (an object with `manifests`)");
  if (!document) return tl::unexpected(document.error());
  OciIndex index;
  auto mediaType = checkSchemaAndMediaType(*document, file);
  if (!mediaType) return tl::unexpected(mediaType.error());
  index.mediaType = *mediaType;
  JsonPlace manifests{file, "manifests", "manifests"};
  auto list = jsonArray(*document, manifests, true);
  if (!list) return tl::unexpected(list.error());
  for (size_t i = 0; i < (*list)->size(); ++i) {
    auto descriptor = parseDescriptor((**list)[i], manifests[i]);
    if (!descriptor) return tl::unexpected(descriptor.error());
    index.manifests.push_back(std::move(*descriptor));
  }
  return index;
}

Result<OciManifest> parseOciManifest(std::string_view text, const std::string& file) {
  auto document = parseObjectDocument(text, file, "an image manifest (an object with `config` and `layers`)");
  if (!document) return tl::unexpected(document.error());
  OciManifest manifest;
  auto mediaType = checkSchemaAndMediaType(*document, file);
  if (!mediaType) return tl::unexpected(mediaType.error());
  manifest.mediaType = *mediaType;
  JsonPlace top{file, "", ""};
  auto config = jsonObject(*document, top / "config", true);
  if (!config) return tl::unexpected(config.error());
  auto configDescriptor = parseDescriptor(**config, top / "config");
  if (!configDescriptor) return tl::unexpected(configDescriptor.error());
  manifest.config = std::move(*configDescriptor);
  // image-manifest.md: `layers` is required but may be empty (an image of no layers); some
  // writers leave an empty one out: taken as none.
  auto layers = jsonArray(*document, top / "layers", false);
  if (!layers) return tl::unexpected(layers.error());
  if (*layers != nullptr) {
    for (size_t i = 0; i < (*layers)->size(); ++i) {
      auto layer = parseDescriptor((**layers)[i], (top / "layers")[i]);
      if (!layer) return tl::unexpected(layer.error());
      manifest.layers.push_back(std::move(*layer));
    }
  }
  return manifest;
}

Result<void> checkOciLayoutFile(std::string_view text, const std::string& file) {
  auto document = parseObjectDocument(text, file, "an OCI layout marker ({\"imageLayoutVersion\": \"1.0.0\"})");
  if (!document) return tl::unexpected(document.error());
  JsonPlace version{file, "imageLayoutVersion", "imageLayoutVersion"};
  auto value = jsonString(*document, version, true);
  if (!value) return tl::unexpected(value.error());
  if (value->substr(0, 2) != "1.") return jsonRefusal(version, "is `" + *value + "`, expected 1.x (1.0.0)");
  return {};
}

}  // namespace agent::image
