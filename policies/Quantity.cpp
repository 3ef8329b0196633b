#include "Quantity.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include "KernelLimits.h"

namespace agent::policies {

namespace {

bool isUnlimited(std::string_view text) {
  return text == "max" || text == "unlimited";
}

// One sentence: which quantity, what is wrong with it, what to give instead.
tl::unexpected<Error> invalid(std::string_view what, std::string_view text, const std::string& problem,
                              const std::string& instead) {
  return userError(std::string(what) + " quantity " + quotedForMessage(text, kShownQuantityBytes) + " " + problem +
                   "; " + instead);
}

// A plain decimal number: digits with at most one '.', nothing else (no sign, no spaces).
bool parseDecimal(std::string_view text, double& value) {
  if (text.empty()) return false;
  int dots = 0;
  for (char c : text) {
    if (c == '.')
      ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  }
  if (dots > 1 || text == ".") return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<cgroup::CpuQuota> parseCpu(std::string_view text, unsigned hostCpus) {
  if (isUnlimited(text)) return cgroup::CpuQuota{cgroup::Bound::unlimited(), cgroup::kDefaultCpuPeriodUs};
  double cpus = 0;
  std::string_view number = text;
  double scale = 1.0;
  if (!text.empty() && text.back() == '%') {
    number = text.substr(0, text.size() - 1);
    scale = 0.01;
  } else if (!text.empty() && text.back() == 'm') {
    number = text.substr(0, text.size() - 1);
    scale = 0.001;
  }
  if (!parseDecimal(number, cpus)) {
    return invalid("cpu", text, "is not an amount of CPU",
                   "use e.g. 50% (half of one CPU), 0.5 (CPUs) or 500m (milli-CPUs)");
  }
  cpus *= scale;
  if (cpus <= 0) return invalid("cpu", text, "must be more than 0", "use e.g. 50% or 0.5");
  std::string most = std::to_string(hostCpus * 100) + "%";
  if (cpus > hostCpus) {
    return invalid("cpu", text, "is more than this host's " + std::to_string(hostCpus) + " CPUs",
                   "use at most " + most + ", or max for no limit");
  }
  auto quota = cgroup::CpuQuota::fromCpus(cpus);
  if (*quota.quotaUs.value < cgroup::kMinCfsQuotaUs) {
    return invalid("cpu", text, "is below the kernel's minimum of 1% (1000 us of every 100000 us period)",
                   "use 1% or more");
  }
  if (auto kept = cgroup::normalizeCpuQuota(quota); !kept)
    return invalid("cpu", text, "is refused by the kernel: " + kept.error().action, "use 1% to " + most);
  return quota;
}

Result<cgroup::Bound> parseMemory(std::string_view text) {
  if (isUnlimited(text)) return cgroup::Bound::unlimited();
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  constexpr const char* kExamples = "use bytes or e.g. 256Mi or 1g, or max for no limit";
  if (digits == 0) return invalid("memory", text, "is not a size", kExamples);
  if (digits < text.size() && text[digits] == '.') {
    return invalid("memory", text, "has a fraction", "use a whole number of a smaller unit, e.g. 1536Mi");
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  constexpr const char* kTooLarge = "is too large to count in bytes";
  if (ec != std::errc()) return invalid("memory", text, kTooLarge, "use max for no limit");
  std::string suffix(text.substr(digits));
  for (auto& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  int shift = 0;
  if (suffix.empty())
    shift = 0;
  else if (suffix == "k" || suffix == "ki")
    shift = 10;
  else if (suffix == "m" || suffix == "mi")
    shift = 20;
  else if (suffix == "g" || suffix == "gi")
    shift = 30;
  else if (suffix == "t" || suffix == "ti")
    shift = 40;
  else
    return invalid("memory", text, "has an unknown unit", "use k, m, g, t or Ki, Mi, Gi, Ti (all powers of 1024)");
  if (shift > 0 && value > (UINT64_MAX >> shift)) return invalid("memory", text, kTooLarge, "use max for no limit");
  uint64_t bytes = value << shift;
  if (bytes < kMinMemoryBytes) {
    return invalid("memory", text, "is below the minimum of 6Mi (less is OOM-killed at once)", "use 6Mi or more");
  }
  return cgroup::Bound::of(bytes);
}

Result<cgroup::Bound> parsePids(std::string_view text) {
  if (isUnlimited(text)) return cgroup::Bound::unlimited();
  constexpr const char* kExample = "use e.g. 100, or max for no limit";
  if (!text.empty() && text.front() == '-') return invalid("pids", text, "must be at least 1", kExample);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return invalid("pids", text, "is not a whole number of tasks", kExample);
  }
  if (value == 0) return invalid("pids", text, "must be at least 1", kExample);
  auto pids = cgroup::normalizePids(cgroup::Bound::of(value));
  if (!pids) {
    return invalid(
        "pids", text,
        "is above the kernel's maximum of " + std::to_string(cgroup::kPidMaxLimit) + " tasks (PID_MAX_LIMIT)",
        "use at most " + std::to_string(cgroup::kPidMaxLimit) + ", or max for no limit");
  }
  return *pids;
}

std::string formatCpu(const cgroup::CpuQuota& quota) {
  auto cpus = quota.cpus();
  if (!cpus) return "max";
  double percent = *cpus * 100.0;
  if (std::fabs(percent - std::round(percent)) < 1e-9) return std::to_string(std::llround(percent)) + "%";
  // Three decimals hold a quota to the microsecond per 100 ms period, so the text parses
  // back to the same quota; trailing zeros go ("12.5%", not "12.500%").
  char text[48];
  std::snprintf(text, sizeof text, "%.3f", percent);
  std::string out = text;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out + "%";
}

std::string formatMemory(const cgroup::Bound& bytes) {
  if (bytes.isUnlimited()) return "max";
  uint64_t value = *bytes.value;
  static constexpr const char* kUnits[] = {"Ti", "Gi", "Mi", "Ki"};
  static constexpr int kShifts[] = {40, 30, 20, 10};
  for (int i = 0; i < 4; ++i) {
    uint64_t unit = uint64_t{1} << kShifts[i];
    if (value >= unit && value % unit == 0) return std::to_string(value / unit) + kUnits[i];
  }
  return std::to_string(value);
}

std::string formatPids(const cgroup::Bound& pids) {
  return pids.isUnlimited() ? "max" : std::to_string(*pids.value);
}

}  // namespace agent::policies
