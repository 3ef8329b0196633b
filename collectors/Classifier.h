#pragma once
// Which runtime a cgroup belongs to, from its path alone, the way cAdvisor's container
// handlers tell them apart. Only the cgroup that IS a container is classified as one: the
// groups below it (a systemd-in-docker's init.scope, say) are `other`.
#include <string>
#include <string_view>

namespace agent::collectors {

enum class Runtime {
  Root,        // "/": the machine, always exported (cAdvisor does the same)
  Agent,       // <cgroup_parent>/<32 hex>: started by this agent
  Docker,      // /docker/<64 hex>, /system.slice/docker-<64 hex>.scope (also under kubepods)
  Containerd,  // /kubepods/.../<64 hex>, cri-containerd-<64 hex>.scope, crio-<64 hex>.scope
  Podman,      // libpod-<64 hex>.scope, /libpod_parent/libpod-<64 hex>
  Lxc,         // /lxc/<name>, /lxc.payload.<name>, /lxc.payload/<name>
  Systemd,     // a unit: *.service, *.scope, *.slice, *.socket, *.mount, *.swap
  Other,
};
std::string_view runtimeName(Runtime runtime);  // "root", "agent", "docker", ...

// Agent, Docker, Containerd, Podman and Lxc: what `export: containers` exports.
bool isContainerRuntime(Runtime runtime);

struct Classification {
  Runtime runtime = Runtime::Other;
  std::string id;    // the container id (hex) or lxc name; the unit for systemd; "" otherwise
  std::string name;  // what `name` shows when no runtime is asked: the short id (12), the
                     // lxc name, the unit; the last path component for other groups
};

// `agentParent` is the agent's cgroup_parent (e.g. "/agent").
Classification classify(std::string_view path, std::string_view agentParent);

// The engine's full container id (64 hex) a group's name ends in, whatever its parent:
// "/x/<id>", "/system.slice/docker-<id>.scope", "/x/libpod-<id>", "cri-containerd-<id>.scope";
// "" for any other group.
std::string_view trailingContainerId(std::string_view path);

}  // namespace agent::collectors
