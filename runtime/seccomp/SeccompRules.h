#pragma once
// Which entries of a profile apply to one container, as moby decides it (profiles/seccomp
// seccomp_linux.go, setupSeccomp): an entry is skipped when its excludes hold (the native
// arch listed, ANY listed capability in the container's set, the kernel at least minKernel)
// or its includes do not (the native arch not listed, not ALL listed capabilities in the
// set, the kernel older than minKernel). Pure: the compiler (SeccompCompiler.h) turns the
// result into BPF.
#include <string>
#include <vector>

#include "CapabilitySet.h"
#include "SeccompProfile.h"

namespace agent::seccomp {

// What the entries are evaluated against.
struct SeccompTarget {
  container::CapabilitySet capabilities;  // the container's (bounding) set
  std::string arch;                       // Go's name for the native arch: amd64, arm64, ...
  std::string scmpArch;                   // libseccomp's: SCMP_ARCH_X86_64, ...
  KernelVersion kernel;
};

// This machine's arch (as built) and running kernel.
SeccompTarget nativeTarget(container::CapabilitySet capabilities);

struct ResolvedRule {
  std::string name;
  Action action = Action::Allow;
  unsigned errnoRet = 0;  // for Errno and Trace
  std::vector<ArgCondition> args;
};

struct ResolvedProfile {
  Action defaultAction = Action::Errno;
  unsigned defaultErrnoRet = 0;
  std::vector<std::string> arches;  // SCMP_ARCH_* to filter, the native one first
  std::vector<ResolvedRule> rules;  // in the profile's order, one per syscall name
};

ResolvedProfile resolveProfile(const SeccompProfile& profile, const SeccompTarget& target);

}  // namespace agent::seccomp
