#include "LayerWhiteout.h"

#include "LayerPath.h"
#include "MessageText.h"

namespace agent::image {

Result<WhiteoutMark> whiteoutOf(std::string_view path) {
  auto [directory, base] = splitParent(path);
  for (size_t at = 0; at < directory.size();) {
    size_t slash = directory.find('/', at);
    if (slash == std::string_view::npos) slash = directory.size();
    if (directory.substr(at, slash - at).starts_with(kWhiteoutPrefix)) {
      return userError("lies below a whiteout (`.wh.` names mark deletions and are never directories)");
    }
    at = slash + 1;
  }
  WhiteoutMark mark;
  if (!base.starts_with(kWhiteoutPrefix)) return mark;
  mark.directory = directory;
  if (base == kOpaqueMarker) {
    mark.kind = WhiteoutKind::Opaque;
    return mark;
  }
  if (base.starts_with(".wh..wh.")) {
    mark.kind = WhiteoutKind::AufsMetadata;
    return mark;
  }
  std::string_view name = base.substr(kWhiteoutPrefix.size());
  if (name.empty() || name == "." || name == "..") {
    return userError("is a whiteout of `" + escapedForMessage(name) +
                     "`, which would delete its own directory or its parent rather than a name in it");
  }
  mark.kind = WhiteoutKind::RemoveName;
  mark.name = name;
  return mark;
}

}  // namespace agent::image
