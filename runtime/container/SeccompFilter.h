#pragma once
// The handoff of a container's seccomp filter from agentd to its processes. agentd compiles
// it (runtime/seccomp) and writes the program into the container's state directory; the
// shim's child (PID 1) and the exec helper read it while they still see the host, and install
// it as the last step before execve, after no_new_privs: the raw seccomp(2) call, nothing
// that allocates, so it is safe in a child forked from the multithreaded agentd.
#include <linux/filter.h>

#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::container {

// The file's name in the container's state directory.
inline constexpr const char* kSeccompFilterFile = "seccomp.bpf";

struct SeccompFilter {
  std::vector<sock_filter> program;  // empty: no filter (unconfined)
};

// The program as libseccomp exported it: whole 8-byte instructions, 1 to BPF_MAXINSNS.
Result<SeccompFilter> seccompFilterFromBytes(std::string_view bytes, const std::string& pathForErrors);
// Reads `path`; an empty path gives the empty filter.
Result<SeccompFilter> readSeccompFilter(const std::string& path);
// Installs `filter` on the calling thread (no_new_privs must be set); an empty one: nothing.
Result<void> installSeccompFilter(const SeccompFilter& filter);

}  // namespace agent::container
