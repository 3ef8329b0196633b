#pragma once
// The images of a `docker save` archive, read through its manifest.json: the legacy layout
// (`<id>/layer.tar`, `<hex>.json`, `repositories`) and Docker >= 25's, whose manifest.json
// points into an OCI layout's blobs/sha256/ (then every path carries the digest checked).
#include <vector>

#include "BlobSource.h"
#include "LoadPlan.h"

namespace agent::image {

inline constexpr char kDockerManifestFile[] = "manifest.json";
inline constexpr char kDockerRepositoriesFile[] = "repositories";

Result<std::vector<PlannedImage>> planDockerArchive(const BlobSource& source);

}  // namespace agent::image
