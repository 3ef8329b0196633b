#include "CgroupBackend.h"

#include <string>

#include "TextParse.h"

#include "CgroupV1Backend.h"
#include "CgroupV2Backend.h"

namespace agent::cgroup {

namespace {
constexpr char kPidsCurrent[] = "pids.current";
constexpr char kPidsMax[] = "pids.max";
}  // namespace

const CgroupBackend& backendFor(CgroupVersion version) {
  static const CgroupV1Backend v1;
  static const CgroupV2Backend v2;
  if (version == CgroupVersion::V1) return v1;
  return v2;
}

Result<std::optional<std::string_view>> readOptionalFileAt(const Dir& dir, const char* name, Buffer buffer) {
  auto text = readFileAt(dir, name, buffer);
  if (text) return std::optional<std::string_view>(*text);
  // ENOENT on one file of a live directory means the kernel lacks it; a vanished
  // directory fails on the required files too, so nothing is lost by tolerating it here.
  if (text.error().errnum == ENOENT) return std::optional<std::string_view>();
  return tl::unexpected(text.error());
}

void planPidsFiles(const Dir& pids, StatsPlan& plan) {
  plan.push_back({&pids, kPidsCurrent, [](std::string_view t, Stats& s) { s.pids.current = text::toU64(t); }, false});
  plan.push_back({&pids, kPidsMax, [](std::string_view t, Stats& s) { s.pids.max = parseMaxOrNumber(t); }, false});
}

Result<void> readPidsMaxLimit(const Dir& pids, Limits& out, Buffer buffer) {
  auto max = readFileAt(pids, kPidsMax, buffer);
  if (!max) return tl::unexpected(max.error());
  out.pidsMax = parseMaxOrNumber(*max);
  if (!out.pidsMax) return logicError("parse", pids.pathOf(kPidsMax));
  return {};
}

Result<void> writePidsMaxLimit(const Dir& pids, const Limits& limits) {
  if (!limits.pidsMax) return {};
  const Bound& max = *limits.pidsMax;
  return writeFileAt(pids, kPidsMax, max.isUnlimited() ? std::string("max") : std::to_string(*max.value));
}

}  // namespace agent::cgroup
