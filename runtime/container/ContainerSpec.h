#pragma once
// What a container is made of, independent of how it is launched or tracked.
#include <optional>
#include <string>
#include <vector>

#include "IdMapping.h"

namespace agent::container {

enum class NetworkMode { None, Host };  // None: own network namespace with only `lo`, up

struct ContainerSpec {
  std::string id;
  std::string hostname;
  std::string imageRootfs;        // the image: read-only lower layer of the overlay
  std::string layerDir;           // this container's upper/, work/ and merged/ live here
  std::vector<std::string> args;  // args[0] is the command, looked up in the image's PATH
  std::vector<std::string> env;   // KEY=VALUE
  std::string cwd = "/";
  NetworkMode network = NetworkMode::None;
  // User namespace (docs/security.md): none shares the host's; else the host ids its root and
  // users are (--userns auto), held until the container is removed (IdRangeAllotment.h).
  std::optional<userns::IdMapping> userns;
};

// PATH and HOME as a shell in the image expects them, plus `env` (which wins).
std::vector<std::string> containerEnvironment(const ContainerSpec& spec);

}  // namespace agent::container
