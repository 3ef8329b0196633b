#pragma once
// Where a run's root filesystem comes from, and what it runs there: a directory of the host
// (--rootfs), a layered image (its layers and its config, docs/images.md), or a flat image (a
// directory DATA_DIR/images/NAME/rootfs, wave 1's). The first step of ContainerRuntime::run:
// it reads and checks, and makes nothing.
#include <optional>
#include <string>

#include "Error.h"
#include "ImageDefaults.h"
#include "LayeredImageStore.h"
#include "RunRequest.h"

namespace agent::container {

struct ImageLayers {
  image::StoredImage image;
  image::RootLayers root;
};

struct RunSource {
  std::string rootfs;                  // --rootfs or a flat image's directory; empty for a layered image
  std::optional<ImageLayers> layered;  // a layered image's
  ImageDefaults defaults;              // command, environment, directory, user and labels
};

// `images`: the layered images (null: flat images only). Errors, each saying what to do: EINVAL
// (an image and a rootfs both, a relative rootfs or one overlayfs cannot take, no command),
// ENOENT (no such image or directory), the image store's.
Result<RunSource> resolveRunSource(const RunRequest& request, image::LayeredImageStore* images,
                                   const std::string& dataDir);

}  // namespace agent::container
