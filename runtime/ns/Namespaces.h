#pragma once
// The namespaces a process is in, from the links in /proc/<pid>/ns: each reads like
// "mnt:[4026531841]"; two processes share a namespace exactly when the inodes match.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::ns {

struct NamespaceId {
  std::string type;  // cgroup, ipc, mnt, net, pid, pid_for_children, time, user, uts, ...
  uint64_t inode = 0;
  bool operator==(const NamespaceId&) const = default;
};

// Parses a link target such as "net:[4026531840]".
std::optional<NamespaceId> parseNamespaceLink(std::string_view target);

// Reads every link in <procRoot>/<pid>/ns (pid 0 means "self"), sorted by type.
// Links the caller may not read (another user's process without CAP_SYS_PTRACE) are skipped.
Result<std::vector<NamespaceId>> readNamespaces(const std::string& procRoot, pid_t pid);

}  // namespace agent::ns
