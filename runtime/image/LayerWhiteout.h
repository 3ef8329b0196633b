#pragma once
// Which layer entries are whiteouts (OCI image-spec layer.md, "Whiteouts"): `.wh.NAME`
// deletes NAME of the lower layers, `.wh..wh..opq` hides every lower child of its directory.
// Such names are never files of the layer: a whiteout is turned into what overlayfs reads
// (LayerWriter), other `.wh..wh.` names (AUFS metadata such as `.wh..wh.plnk`) are dropped
// as Docker drops them, and a path under a `.wh.` component is refused. Pure.
#include <string>
#include <string_view>

#include "Error.h"

namespace agent::image {

inline constexpr std::string_view kWhiteoutPrefix = ".wh.";
inline constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

enum class WhiteoutKind {
  None,          // an ordinary entry
  RemoveName,    // `.wh.NAME`: NAME of `directory` is deleted
  Opaque,        // `.wh..wh..opq`: `directory` hides its lower children
  AufsMetadata,  // other `.wh..wh.` names: dropped
};

struct WhiteoutMark {
  WhiteoutKind kind = WhiteoutKind::None;
  std::string directory;  // the directory it applies in ("" for the layer's root)
  std::string name;       // RemoveName: the name deleted
};

// `path` as layerPathOf gives it. Refused (a fragment following the entry's name): `.wh.`
// alone, `.wh..` and `.wh...` (they would delete the directory itself or its parent), and
// entries below a `.wh.` component.
Result<WhiteoutMark> whiteoutOf(std::string_view path);

}  // namespace agent::image
