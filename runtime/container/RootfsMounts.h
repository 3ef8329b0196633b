#pragma once
// The container's root filesystem, assembled inside its own mount namespace (so it all
// disappears with the namespace): an overlay of the image, then /proc, /dev, /sys and the
// masks, then pivot_root into it. Each step runs in the child before the user's command.
#include "ContainerSpec.h"
#include "Error.h"

namespace agent::container {

// upper/, work/ and merged/ under the layer directory; the image itself is never written.
Result<void> mountOverlay(const ContainerSpec& spec);
// /proc (fresh, for the new pid namespace), /dev (tmpfs with the standard nodes, devpts
// newinstance, shm), /sys read-only, masked /proc paths and read-only /proc/sys.
Result<void> mountSystemFilesystems(const std::string& root);
// Makes `root` the root of this mount namespace and drops every view of the host's tree.
Result<void> pivotInto(const std::string& root);

}  // namespace agent::container
