// Any bytes as a seccomp profile (`agentctl run --security-opt seccomp=FILE`, agentd's
// `seccomp_profile`, the API's "seccomp"): no exception, no crash, no sanitizer report; every
// refusal is EINVAL in one line; an accepted profile resolves for any capability set with
// argument indexes 0..5 and names that are not empty.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "SeccompRules.h"

using namespace agent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto profile = seccomp::parseSeccompProfile(text);
  if (!profile) {
    if (profile.error().errnum != EINVAL) std::abort();
    for (char c : profile.error().message())
      if (c == '\n' || c == '\r' || c == '\0') std::abort();
    return 0;
  }
  for (uint64_t bits : {uint64_t{0}, container::dockerDefaultCapabilities().bits(), ~uint64_t{0}}) {
    auto resolved = seccomp::resolveProfile(
        *profile,
        seccomp::SeccompTarget{container::CapabilitySet::fromBits(bits), "amd64", "SCMP_ARCH_X86_64", {6, 1}});
    if (resolved.arches.empty() || resolved.arches.front() != "SCMP_ARCH_X86_64") std::abort();
    for (const auto& rule : resolved.rules) {
      if (rule.name.empty()) std::abort();
      for (const auto& arg : rule.args)
        if (arg.index > 5) std::abort();
    }
  }
  return 0;
}
