#pragma once
// agentd's seccomp at start: the default profile read from `seccomp_profile` (Docker's format;
// by default profiles/seccomp/default.json installed beside agentd), checked, and compiled for
// Docker's default capability set at once, so a bad file stops agentd with the reason and the
// first `run` pays nothing. Other capability sets are compiled at their first `run`, once.
#include <string>

#include "ContainerRuntime.h"
#include "InstallLayout.h"  // defaultSeccompProfilePath()

namespace agent {

// The runtime's SeccompCompile over the profile at `path`.
Result<container::SeccompCompile> loadSeccompProfile(const std::string& path);

}  // namespace agent
