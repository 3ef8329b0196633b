#pragma once
// What a container is made of, independent of how it is launched or tracked.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "CapabilitySet.h"
#include "IdMapping.h"
#include "VolumeSpec.h"

namespace agent::container {

// How a container is networked (docs/networking.md), Docker's four modes:
// - None: a network namespace of its own with only `lo`, up;
// - Host: the host's namespace;
// - Bridge: a namespace of its own, joined to the agent's bridge by a veth pair (eth0), an
//   address leased from the bridge's subnet, published ports DNATed to it (runtime/net);
// - Container: another container's namespace (`--net container:ID`, a pod), joined by setns.
enum class NetworkMode { None, Host, Bridge, Container };
std::string_view networkModeName(NetworkMode mode);  // none, host, bridge, container
// Which seccomp profile confines the container: agentd's (Docker's default), none, or one
// the caller gave (`--security-opt seccomp=...`).
enum class SeccompMode { Default, Unconfined, Custom };
std::string_view seccompModeName(SeccompMode mode);  // default, unconfined, custom

// A host device node given to the container (--device HOST[:CTR][:rwm]), as the host's node
// was when the container was created (DeviceRequest.h): made at `containerPath` inside the
// container with the host node's type, numbers, mode and owner.
struct DeviceMapping {
  std::string hostPath;
  std::string containerPath;
  std::string permissions = "rwm";  // of r, w, m: what the container may do with it
  char type = 'c';                  // 'c' character, 'b' block
  uint32_t major = 0, minor = 0;
  uint32_t mode = 0666;  // permission bits
  uint32_t uid = 0, gid = 0;
};

struct ContainerSpec {
  std::string id;
  std::string hostname;
  std::string imageRootfs;  // a flat image or --rootfs: the overlay's one lower layer
  // A layered image (LayeredImageStore.h) instead: its layers as the overlay's lowerdir
  // entries, top first, relative to `lowerBase` (short names: 100+ layers fit the options).
  std::string lowerBase;
  std::vector<std::string> lowerDirs;
  std::string user;               // the image's User or --user: "name", "uid", "uid:gid", looked up inside
  std::string layerDir;           // this container's upper/, work/ and merged/ live here
  std::vector<std::string> args;  // args[0] is the command, looked up in the image's PATH
  std::vector<std::string> env;   // KEY=VALUE
  std::string cwd = "/";
  NetworkMode network = NetworkMode::None;
  // Container: the container whose network namespace this one joins (its full id), and that
  // namespace as the shim opens it (/proc/PID/ns/net of its PID 1, read when this one is made).
  std::string networkContainer;
  std::string netnsPath;
  // Files agentd wrote for the container (Bridge, Container: its /etc/resolv.conf, /etc/hosts,
  // /etc/hostname, as Docker writes them), bound over the image's before the volumes (which
  // may replace them); the image is never written.
  std::vector<VolumeSpec> etcFiles;
  std::vector<DeviceMapping> devices;  // --device: nodes made in the container
  // User namespace (docs/security.md): none shares the host's; else the host ids its root and
  // users are (--userns auto), held until the container is removed (IdRangeAllotment.h).
  std::optional<userns::IdMapping> userns;
  // Confinement (capabilities, seccomp): what PID 1 and every exec'd process get.
  CapabilitySet capabilities = dockerDefaultCapabilities();
  SeccompMode seccomp = SeccompMode::Unconfined;
  std::string seccompFilter;  // the compiled filter (SeccompFilter.h) to install; empty: none
  // Volumes (VolumeMounts.h): -v and --tmpfs, mounted in this order's depth; --read-only.
  std::vector<VolumeSpec> volumes;
  bool readOnlyRoot = false;
  // Terminals (AttachPoint.h): a pseudo-terminal as PID 1's stdin, stdout, stderr and
  // controlling terminal (-t); PID 1's stdin a pipe the shim holds for an attached client (-i).
  bool tty = false;
  bool openStdin = false;
  // -t: the terminal's size at the start (agentctl's window, as docker's ConsoleSize); 0: 24x80.
  uint16_t consoleRows = 0, consoleColumns = 0;
};

// The overlay's lowerdir option: the layers joined by ':', or the flat image's directory.
std::string overlayLowerDirs(const ContainerSpec& spec);
// The lower layers as absolute paths, top first.
std::vector<std::string> absoluteLowerDirs(const ContainerSpec& spec);

// PATH and HOME as a shell in the image expects them, plus `env` (which wins).
std::vector<std::string> containerEnvironment(const ContainerSpec& spec);

}  // namespace agent::container
