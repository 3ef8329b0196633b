#pragma once
// Paths of files inside an image source (a layout directory or a tar), as the formats' JSON
// names them: "./x" and "x" are one file, and nothing may point outside the source.
#include <string>
#include <string_view>

#include "Error.h"

namespace agent::image {

// "x/./y//z" -> "x/y/z"; an absolute path, a `..` component or an empty path is refused,
// naming `path` and the file that gave it (`from`), since a manifest naming one is either
// broken or hostile.
Result<std::string> normalizeSourcePath(std::string_view path, std::string_view from);

// The path of a blob in an OCI layout: "blobs/sha256/<hex>" for a valid sha256 digest.
std::string blobPathOf(std::string_view digest);

// The digest a path names when it is "blobs/sha256/<64 hex>" (Docker >= 25's manifest.json
// points there); "" otherwise.
std::string digestOfBlobPath(std::string_view path);

}  // namespace agent::image
