#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace agent::proc {

// One line of /proc/<pid>/cgroup: "hierarchy-id:controller-list:path".
// v1 lines name their controllers ("4:memory:/x", "1:name=systemd:/"); the v2 line is
// "0::/path". Inside a cgroup namespace the paths are relative to the namespace's root.
struct CgroupMembership {
  int hierarchyId = 0;
  std::vector<std::string> controllers;  // empty for the v2 line
  std::string path;

  bool isUnified() const { return hierarchyId == 0 && controllers.empty(); }
};

// Malformed lines are skipped.
std::vector<CgroupMembership> parseProcCgroup(std::string_view text);

}  // namespace agent::proc
