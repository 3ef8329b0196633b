#pragma once
// What a caller asks for when it runs a container (agentctl run, POST /v1/containers).
// RunRequestValidation.h says which values are accepted, and why others are not.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ContainerSpec.h"
#include "DeviceRequest.h"
#include "Limits.h"
#include "UsernsMode.h"

namespace agent::container {

struct RunRequest {
  std::string name;  // empty: derived from the id
  std::string image;
  std::string rootfs;  // instead of an image: an absolute directory, the overlay's lower layer
  std::vector<std::string> args;
  std::vector<std::string> env;  // KEY=VALUE
  std::string hostname;          // empty: the short id
  std::map<std::string, std::string> labels;
  std::optional<NetworkMode> network;  // empty: the agent's default (`default_network`)
  std::string networkContainer;        // NetworkMode::Container: the id or name whose network it joins
  // -p texts as Docker's CLI takes them ("8080:80", "127.0.0.1::53/udp"), for --net bridge.
  std::vector<std::string> publish;
  bool publishAll = false;  // -P: each port of the image's ExposedPorts, on a free host port
  cgroup::Limits limits;
  bool removeOnExit = false;
  // An attached client's reader id (ReaderLease.h): its lease is taken before the command
  // runs, so no output can be rotated away before the client's first read.
  std::string attachReader;
  // --device HOST[:CTR][:rwm] (DeviceRequest.h): host device nodes the container gets.
  std::vector<DeviceRequest> devices;
  // User namespace: empty takes the agent's default (`default_userns`).
  std::optional<UsernsMode> userns;
  // Confinement: Docker's --cap-add / --cap-drop, names as CapabilitySet.h takes them.
  std::vector<std::string> capAdd, capDrop;
  SeccompMode seccomp = SeccompMode::Default;
  std::string seccompProfile;  // Custom: the profile, JSON in Docker's format
  // Volumes: -v and --tmpfs (VolumeSpec.h), and --read-only (the root's own mount).
  std::vector<VolumeSpec> volumes;
  bool readOnlyRoot = false;
  // Terminals: -t (a pseudo-terminal) and -i (stdin kept open for an attached client).
  bool tty = false;
  bool openStdin = false;
  uint16_t consoleRows = 0, consoleColumns = 0;  // -t: the client's window at the start; 0: 24x80
  // The image's config overridden (ImageDefaults.h): --user (empty: the image's User),
  // --workdir and --entrypoint (absent: the image's; [] clears it; given, the image's Cmd is not used either).
  std::string user;
  std::optional<std::vector<std::string>> entrypoint;
  std::string workingDir;  // -w (absolute; empty: the image's WorkingDir, else /)
};

}  // namespace agent::container
