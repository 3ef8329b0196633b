#pragma once
// What a layered image's config gives a container, as Docker applies it (docs/images.md):
// the command is Entrypoint + (the arguments given, or else Cmd); the image's Env comes first
// and what the run gives wins per name; WorkingDir is the working directory; User the user
// (looked up inside the container, Launcher.cpp); the image's Labels are the container's,
// under those the run gives.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ContainerSpec.h"
#include "Error.h"
#include "ImageConfig.h"

namespace agent::container {

struct ImageDefaultsInput {
  std::vector<std::string> args;  // what the run gave after the image; empty: the image's Cmd
  std::vector<std::string> env;   // KEY=VALUE
  std::map<std::string, std::string> labels;
  std::string user;                                    // --user; empty: the image's
  std::optional<std::vector<std::string>> entrypoint;  // --entrypoint; absent: the image's
};

struct ImageDefaults {
  std::vector<std::string> args, env;
  std::string cwd = "/";
  std::string user;
  std::map<std::string, std::string> labels;
};

// EINVAL, saying what to do, when neither the run nor the image gives a command.
Result<ImageDefaults> applyImageConfig(const image::ImageConfig& config, const ImageDefaultsInput& run,
                                       const std::string& imageName);

}  // namespace agent::container
