#pragma once
// Turns a resolved profile into the classic BPF program the kernel installs, with Debian's
// libseccomp (2.5.4): in agentd, never in a forked child (libseccomp allocates). 2.5.4 has
// no export to memory, so the program goes through a memfd.
#include <string>
#include <vector>

#include "Error.h"
#include "SeccompRules.h"

namespace agent::seccomp {

struct CompiledFilter {
  std::string program;                     // sock_filter instructions, 8 bytes each
  std::vector<std::string> unknownNames;   // syscalls this libseccomp does not know: left out
  std::vector<std::string> unknownArches;  // sub-architectures it does not know: left out
};

// A rule libseccomp refuses (other than an unknown syscall name) fails the whole filter,
// naming the syscall: a filter missing a rule would allow or deny more than the profile says.
Result<CompiledFilter> compileFilter(const ResolvedProfile& profile);

}  // namespace agent::seccomp
