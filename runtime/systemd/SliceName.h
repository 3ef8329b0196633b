#pragma once
// systemd's slice names and the cgroup paths they stand for (systemd.slice(5)): a dash in a
// slice's name nests it, "a-b.slice" is /a.slice/a-b.slice; "-.slice" is the root. The
// systemd cgroup driver (docs/cgroups.md, "Under systemd") keeps containers in a slice the
// config names (`cgroup_parent: agent.slice`), as runc's and kubelet's systemd drivers do.
#include <string>
#include <string_view>

#include "Error.h"

namespace agent::systemd {

// The cgroup path of `slice` ("agent.slice" -> "/agent.slice"). An error (EINVAL) that says
// why for a name that is not a slice's: no ".slice" suffix, a character systemd refuses in
// unit names, or a dash at either end or doubled.
Result<std::string> slicePath(std::string_view slice);

// The transient scope of the agent's container `id`: "agent-<id>.scope".
std::string containerScopeName(std::string_view id);

}  // namespace agent::systemd
