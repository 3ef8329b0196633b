#pragma once
// The OCI image-spec's documents an image source holds (descriptor.md, image-index.md,
// manifest.md, image-layout.md), with Docker's v2 schema 2 twins of the same shape.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::image {

namespace media_type {
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
}  // namespace media_type

enum class MediaKind { index, manifest, config, layer, unknown };
// What a media type names; unknown for anything else (artifacts, signatures, foreign
// layers of Windows images, Docker's schema 1), which is refused by name where it is used.
MediaKind mediaKindOf(std::string_view mediaType);

// Annotation keys (annotations.md; containerd's full image name).
inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kContainerdNameAnnotation = "io.containerd.image.name";

struct Platform {
  std::string os, architecture, variant;
};

struct Descriptor {
  std::string mediaType;
  std::string digest;  // a valid sha256 digest (others are refused)
  int64_t size = 0;
  bool hasPlatform = false;
  Platform platform;
  std::map<std::string, std::string> annotations;
};

struct OciIndex {
  std::string mediaType;  // may be empty (image-index.md: SHOULD be set)
  std::vector<Descriptor> manifests;
};

struct OciManifest {
  std::string mediaType;  // may be empty
  Descriptor config;
  std::vector<Descriptor> layers;
};

// `file` names the document in refusals.
Result<OciIndex> parseOciIndex(std::string_view json, const std::string& file);
Result<OciManifest> parseOciManifest(std::string_view json, const std::string& file);
// oci-layout: {"imageLayoutVersion": "1.0.0"}; any 1.x taken.
Result<void> checkOciLayoutFile(std::string_view json, const std::string& file);

}  // namespace agent::image
