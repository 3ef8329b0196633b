#pragma once
// Steps shared by the readers of each format (DockerArchivePlan, OciLayoutPlan).
#include <string>
#include <vector>

#include "BlobSource.h"
#include "LoadPlan.h"

namespace agent::image {

// Sizes above which a JSON document is refused rather than read into memory.
inline constexpr size_t kMaxIndexBytes = 16 << 20;    // index.json, manifest.json, repositories
inline constexpr size_t kMaxDocumentBytes = 8 << 20;  // a manifest, an index or a config blob

// Reads `path` and checks it against `digest` (and `size`, when >= 0): a blob that differs
// is refused naming the file, the digest expected and the one found. `namedBy` says which
// document gave the digest.
Result<std::string> readVerified(const BlobSource& source, const std::string& path, const std::string& digest,
                                 int64_t size, const std::string& namedBy);

// A layer's file: present and, when `size` >= 0, of that size (a truncated blob is refused
// before anything is unpacked).
Result<void> checkLayerFile(const BlobSource& source, const std::string& path, int64_t size,
                            const std::string& namedBy);

// The image from its verified config and its layers (paths and expected digests, base first):
// the config parsed, the layer count checked against rootfs.diff_ids, diffIds filled in.
Result<PlannedImage> plannedImageOf(std::string configJson, std::string configDigest, const std::string& configPath,
                                    std::vector<PlannedLayer> layers, std::vector<std::string> names,
                                    std::string format);

// Images listed twice (two tags of one image) become one with both names.
void mergeSameImages(std::vector<PlannedImage>& images);

}  // namespace agent::image
