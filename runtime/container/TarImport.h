#pragma once
// Unpacks a rootfs tarball (what `docker export` writes: ustar with GNU long names or PAX
// headers) into a directory, refusing every entry that would land outside it.
#include <cstdint>
#include <string>

#include "Error.h"

namespace agent::container {

struct TarImportSummary {
  uint64_t files = 0, directories = 0, symlinks = 0, hardlinks = 0, skippedDevices = 0;
  uint64_t bytes = 0;
};

// Refused, with the entry's name: absolute names, `..` components, a path that passes
// through a symlink (an earlier entry could point it anywhere), hard links whose target is
// absolute or leaves the root. Symlinks may point anywhere: inside the container they
// resolve within its own root. Device nodes are skipped (a container's /dev is a tmpfs).
Result<TarImportSummary> extractTar(const std::string& tarPath, const std::string& rootDir);

}  // namespace agent::container
