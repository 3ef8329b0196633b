#include "SourcePath.h"

#include "Sha256.h"

namespace agent::image {

Result<std::string> normalizeSourcePath(std::string_view path, std::string_view from) {
  auto refuse = [&](std::string_view why) {
    return userError("`" + std::string(from) + "` names the path `" + std::string(path) + "`, " + std::string(why) +
                     ": the image source is broken or was made to escape; it is not read");
  };
  if (path.empty()) return refuse("which is empty");
  if (path.front() == '/') return refuse("which is absolute (paths in an image source are relative to it)");
  if (path.find('\0') != std::string_view::npos) return refuse("which holds a NUL byte");
  std::string normal;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part == "..") return refuse("which climbs out with `..`");
    if (!part.empty() && part != ".") {
      if (!normal.empty()) normal += '/';
      normal += part;
    }
    start = end + 1;
  }
  if (normal.empty()) return refuse("which names no file");
  return normal;
}

std::string blobPathOf(std::string_view digest) {
  return "blobs/sha256/" + std::string(digestHex(digest));
}

std::string digestOfBlobPath(std::string_view path) {
  constexpr std::string_view kPrefix = "blobs/sha256/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return "";
  std::string digest = std::string(kSha256Prefix) + std::string(path.substr(kPrefix.size()));
  return isSha256Digest(digest) ? digest : "";
}

}  // namespace agent::image
