#pragma once
// What an image source holds, verified where the format carries digests: which images (by
// name), their configs, and their layers in order. Formats and choices: docs/images.md.
#include <string>
#include <vector>

#include "BlobSource.h"
#include "ImageConfig.h"

namespace agent::image {

struct PlannedLayer {
  std::string path;    // in the source
  std::string digest;  // expected sha256 of the stored bytes; "" when the format names none (legacy docker save)
  std::string diffId;  // from the config's rootfs.diff_ids (same index)
};

struct PlannedImage {
  std::vector<std::string> names;  // "repo:tag" as the source names them (RepoTags, ref.name annotations); may be empty
  std::string configDigest;        // sha256 of the config blob: the image id
  std::string configJson;          // verified against configDigest
  ImageConfig config;
  std::vector<PlannedLayer> layers;  // base first; as many as config.diffIds (else refused)
  std::string format;                // "docker-archive", "docker-archive-oci" (Docker >= 25), "oci-layout"
};

// Finds the format, walks index/manifest (nested indexes; linux/amd64 chosen where there is a
// choice), reads and verifies every manifest and config against its digest; refuses naming
// the file and what is wrong. A manifest with zero layers is an image with none.
Result<std::vector<PlannedImage>> planLoad(const BlobSource& source);

}  // namespace agent::image
