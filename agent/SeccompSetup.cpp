#include "SeccompSetup.h"

#include <spdlog/spdlog.h>

#include "FileAt.h"
#include "SeccompFilterCache.h"

namespace agent {

namespace {

// A syscall name this libseccomp does not know is left out of the filter (crun does the
// same): on a kernel that has it, it gets the default action. Said once per profile.
void reportLeftOut(const seccomp::CompiledFilter& filter, const std::string& profile) {
  if (filter.unknownNames.empty() && filter.unknownArches.empty()) return;
  std::string names, arches;
  for (const auto& n : filter.unknownNames) names += (names.empty() ? "" : ",") + n;
  for (const auto& a : filter.unknownArches) arches += (arches.empty() ? "" : ",") + a;
  spdlog::info(
      "msg=\"seccomp: syscalls and architectures this libseccomp does not know are left out of the filter (they "
      "get the profile's default action)\" profile={} syscalls={} arches={}",
      profile, names, arches);
}

}  // namespace

Result<container::SeccompCompile> loadSeccompProfile(const std::string& path) {
  auto text = readWholeFile(path);
  if (!text) return tl::unexpected(text.error());
  auto profile = seccomp::parseSeccompProfile(*text);
  if (!profile) return userError(path + ": " + profile.error().message() + "; fix it or set seccomp_profile");
  auto cache = std::make_shared<seccomp::SeccompFilterCache>(std::move(*profile));
  auto first = cache->filterFor(container::dockerDefaultCapabilities());
  if (!first) return logicError(first.error().action, path, first.error().errnum);
  reportLeftOut(**first, path);
  return [cache](container::CapabilitySet caps, const std::string& profileJson) -> Result<std::string> {
    if (profileJson.empty()) {
      auto filter = cache->filterFor(caps);
      if (!filter) return tl::unexpected(filter.error());
      return (*filter)->program;
    }
    auto custom = seccomp::parseSeccompProfile(profileJson);
    if (!custom) return tl::unexpected(custom.error());
    auto compiled = seccomp::compileFor(*custom, caps);
    if (!compiled) return userError("the seccomp profile cannot be compiled: " + compiled.error().message());
    reportLeftOut(*compiled, "(given to run)");
    return std::move(compiled->program);
  };
}

}  // namespace agent
