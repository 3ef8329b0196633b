#pragma once
// The user a container's command runs as: the image's `User` (or the run's), as Docker and
// runc read it: "name", "uid", "name:group", "uid:gid", names looked up in the container's own
// /etc/passwd and /etc/group (never the host's); a uid without a passwd entry is taken as is
// with gid 0, as runc does. Supplementary groups are those of
// /etc/group that list the user.
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::container {

struct ContainerUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary
  std::string home = "/";     // the passwd entry's, else "/"
};

// `passwd` and `group`: the files' text ("" when the image has none). EINVAL naming the user
// when a name is not found.
Result<ContainerUser> resolveContainerUser(std::string_view user, std::string_view passwd, std::string_view group);

// Reads /etc/passwd and /etc/group of the current root (the container's, after pivot_root),
// resolves `user`, and becomes it: setgroups, setresgid, setresuid. A non-root user keeps no
// capabilities (the kernel clears them when every uid leaves 0), as in Docker.
// `terminalOnStdin`: stdin is the command's terminal (-t), given to the user first.
Result<ContainerUser> becomeContainerUser(std::string_view user, bool terminalOnStdin = false);

}  // namespace agent::container
