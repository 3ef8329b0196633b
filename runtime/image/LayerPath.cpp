#include "LayerPath.h"

namespace agent::image {

Result<std::string> layerPathOf(std::string_view name) {
  std::string path;
  int depth = 0;
  bool climbs = false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    std::string_view part =
        name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") {
      if (--depth < 0) return userError("escapes the layer (its `..` climbs above the layer's root)");
      climbs = true;
    } else if (!part.empty() && part != ".") {
      ++depth;
      if (!path.empty()) path += '/';
      path += part;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (climbs) return userError("has a `..` component (a layer names each path without one)");
  return path;
}

std::pair<std::string_view, std::string_view> splitParent(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {std::string_view(), path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace agent::image
