#pragma once
// The name of a layer entry (or a hard link's target) as a path inside the layer: what tar
// wrote ("./usr/bin/", "/etc/passwd", "a//b") made one canonical relative form, and names
// that could land outside the layer refused. Pure: no file is touched here.
#include <string>
#include <string_view>

#include "Error.h"

namespace agent::image {

// "a/b" for "./a//b/" and "/a/b" (a leading '/' names the layer's root, as Docker and
// containerd read it); "" for the root itself. Refused (a sentence fragment that follows the
// entry's name): any `..` component, even one that stays inside ("a/../b"): a layer names
// each path without one, and the old rootfs import refused them too.
Result<std::string> layerPathOf(std::string_view name);

// "a/b" -> {"a", "b"}; "b" -> {"", "b"}.
std::pair<std::string_view, std::string_view> splitParent(std::string_view path);

}  // namespace agent::image
