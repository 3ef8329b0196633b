#pragma once
// `agentd probe`: what the agent sees of this host, for humans and for bug reports.
#include <iosfwd>
#include <string>

#include "Hierarchy.h"

namespace agent {

struct ProbeOptions {
  cgroup::HierarchyPaths paths;
};

// Prints the report; returns the process exit code (0, or 1 when the host has no cgroups).
int runProbe(const ProbeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace agent
