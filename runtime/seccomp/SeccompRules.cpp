#include "SeccompRules.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>

namespace agent::seccomp {

namespace {

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool hasCapability(const container::CapabilitySet& set, const std::string& name) {
  auto cap = container::capabilityNumber(name);
  return cap && set.has(*cap);  // a capability this build does not know is in no set
}

bool applies(const SyscallEntry& entry, const SeccompTarget& target) {
  const EntryFilter& ex = entry.excludes;
  if (listed(ex.arches, target.arch)) return false;
  for (const auto& cap : ex.caps)
    if (hasCapability(target.capabilities, cap)) return false;
  if (ex.minKernel && target.kernel >= *ex.minKernel) return false;
  const EntryFilter& in = entry.includes;
  if (!in.arches.empty() && !listed(in.arches, target.arch)) return false;
  for (const auto& cap : in.caps)
    if (!hasCapability(target.capabilities, cap)) return false;
  if (in.minKernel && target.kernel < *in.minKernel) return false;
  return true;
}

// EPERM when the profile gives none, as Docker (and the kernel's convention) has it.
unsigned errnoOf(Action action, std::optional<unsigned> errnoRet) {
  if (errnoRet) return *errnoRet;
  return action == Action::Errno ? EPERM : 0;
}

}  // namespace

SeccompTarget nativeTarget(container::CapabilitySet capabilities) {
  SeccompTarget target;
  target.capabilities = capabilities;
#if defined(__x86_64__)
  target.arch = "amd64";
  target.scmpArch = "SCMP_ARCH_X86_64";
#elif defined(__aarch64__)
  target.arch = "arm64";
  target.scmpArch = "SCMP_ARCH_AARCH64";
#else
#error "add this architecture's Go and libseccomp names"
#endif
  utsname uts{};
  if (::uname(&uts) == 0) {
    if (auto version = parseKernelVersion(uts.release)) target.kernel = *version;
  }
  return target;
}

ResolvedProfile resolveProfile(const SeccompProfile& profile, const SeccompTarget& target) {
  ResolvedProfile resolved;
  resolved.defaultAction = profile.defaultAction;
  resolved.defaultErrnoRet = errnoOf(profile.defaultAction, profile.defaultErrnoRet);
  resolved.arches.push_back(target.scmpArch);
  auto addArch = [&](const std::string& arch) {
    if (!listed(resolved.arches, arch)) resolved.arches.push_back(arch);
  };
  for (const auto& arch : profile.architectures) addArch(arch);
  for (const auto& entry : profile.archMap) {
    if (entry.architecture != target.scmpArch) continue;
    for (const auto& sub : entry.subArchitectures) addArch(sub);
  }
  for (const auto& entry : profile.syscalls) {
    if (!applies(entry, target)) continue;
    for (const auto& name : entry.names)
      resolved.rules.push_back({name, entry.action, errnoOf(entry.action, entry.errnoRet), entry.args});
  }
  return resolved;
}

}  // namespace agent::seccomp
