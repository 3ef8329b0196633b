#pragma once
// What a container is made of, independent of how it is launched or tracked.
#include <string>
#include <vector>

#include "CapabilitySet.h"

namespace agent::container {

enum class NetworkMode { None, Host };  // None: own network namespace with only `lo`, up
// Which seccomp profile confines the container: agentd's (Docker's default), none, or one
// the caller gave (`--security-opt seccomp=...`).
enum class SeccompMode { Default, Unconfined, Custom };
std::string_view seccompModeName(SeccompMode mode);  // default, unconfined, custom

struct ContainerSpec {
  std::string id;
  std::string hostname;
  std::string imageRootfs;        // the image: read-only lower layer of the overlay
  std::string layerDir;           // this container's upper/, work/ and merged/ live here
  std::vector<std::string> args;  // args[0] is the command, looked up in the image's PATH
  std::vector<std::string> env;   // KEY=VALUE
  std::string cwd = "/";
  NetworkMode network = NetworkMode::None;
  // Confinement (capabilities, seccomp): what PID 1 and every exec'd process get.
  CapabilitySet capabilities = dockerDefaultCapabilities();
  SeccompMode seccomp = SeccompMode::Unconfined;
  std::string seccompFilter;  // the compiled filter (SeccompFilter.h) to install; empty: none
};

// PATH and HOME as a shell in the image expects them, plus `env` (which wins).
std::vector<std::string> containerEnvironment(const ContainerSpec& spec);

}  // namespace agent::container
