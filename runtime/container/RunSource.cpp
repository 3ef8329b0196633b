#include "RunSource.h"

#include <filesystem>

#include "MessageText.h"
#include "Names.h"

namespace agent::container {

namespace fs = std::filesystem;

namespace {

Result<std::string> hostRootfs(const RunRequest& request) {
  if (!request.image.empty())
    return userError("give an image or a rootfs, not both: the rootfs " + quotedForMessage(request.rootfs) +
                         " would replace the image",
                     EINVAL);
  if (request.rootfs.front() != '/')
    return userError("the rootfs " + quotedForMessage(request.rootfs) + " is not an absolute path; give it from /",
                     EINVAL);
  std::string rootfs = fs::path(request.rootfs).lexically_normal().string();
  if (!fs::is_directory(rootfs))
    return userError("no such rootfs directory " + quotedForMessage(request.rootfs) +
                         " on agentd's host; give a directory that exists",
                     ENOENT);
  // overlayfs takes its layers in a comma-separated option string.
  if (rootfs.find_first_of(",:\\") != std::string::npos)
    return userError("the rootfs path " + quotedForMessage(request.rootfs) +
                         " has ',', ':' or '\\', which overlayfs cannot take in a layer; move or link it elsewhere",
                     EINVAL);
  return rootfs;
}

// A flat image or --rootfs has no config: only what the run gives.
Result<ImageDefaults> givenDefaults(const RunRequest& request) {
  ImageDefaults given;
  given.args = request.entrypoint.value_or(std::vector<std::string>{});
  given.args.insert(given.args.end(), request.args.begin(), request.args.end());
  if (given.args.empty())
    return userError("command is missing: give one, e.g. -- sh -c 'echo hi' (only a layered image has its own)",
                     EINVAL);
  given.env = request.env;
  given.user = request.user;
  given.labels = request.labels;
  return given;
}

}  // namespace

Result<RunSource> resolveRunSource(const RunRequest& request, image::LayeredImageStore* images,
                                   const std::string& dataDir) {
  RunSource source;
  if (!request.rootfs.empty()) {
    auto rootfs = hostRootfs(request);
    if (!rootfs) return tl::unexpected(rootfs.error());
    source.rootfs = std::move(*rootfs);
  } else if (images && images->has(request.image)) {
    auto found = images->resolve(request.image);
    if (!found) return tl::unexpected(found.error());
    auto layers = images->rootLayers(*found);
    if (!layers) return tl::unexpected(layers.error());
    source.layered = ImageLayers{std::move(*found), std::move(*layers)};
  } else {
    // A flat image (wave 1): a directory named after it, for a name that can be one only.
    source.rootfs = dataDir + "/images/" + request.image + "/rootfs";
    if (!validateName("image", request.image) || !fs::is_directory(source.rootfs))
      return userError("no such image " + quotedForMessage(request.image) + "; agentctl image ls lists the images",
                       ENOENT);
  }
  // What the container runs: a layered image's config under what the run gives.
  auto defaults = source.layered
                      ? applyImageConfig(source.layered->image.config,
                                         {request.args, request.env, request.labels, request.user, request.entrypoint},
                                         request.image)
                      : givenDefaults(request);
  if (!defaults) return tl::unexpected(defaults.error());
  source.defaults = std::move(*defaults);
  return source;
}

}  // namespace agent::container
