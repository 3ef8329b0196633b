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

tl::unexpected<Error> invalid(std::string_view what, std::string_view text, const std::string& why) {
  return logicError("use " + std::string(what) + " quantity `" + std::string(text) + "` (" + why + ")", "", EINVAL);
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
    return invalid("cpu", text, "expected e.g. 50%, 0.5 or 500m; 50% is half of one CPU");
  }
  cpus *= scale;
  if (cpus <= 0) return invalid("cpu", text, "must be more than 0");
  if (cpus > hostCpus) {
    return invalid(
        "cpu", text,
        "this host has " + std::to_string(hostCpus) + " CPUs, at most " + std::to_string(hostCpus * 100) + "%");
  }
  auto quota = cgroup::CpuQuota::fromCpus(cpus);
  if (*quota.quotaUs.value < cgroup::kMinCfsQuotaUs) {
    return invalid("cpu", text, "below the kernel's minimum of 1%: 1000 us of every 100000 us period");
  }
  if (auto kept = cgroup::normalizeCpuQuota(quota); !kept) return invalid("cpu", text, kept.error().action);
  return quota;
}

Result<cgroup::Bound> parseMemory(std::string_view text) {
  if (isUnlimited(text)) return cgroup::Bound::unlimited();
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0) return invalid("memory", text, "expected bytes or e.g. 256Mi, 1g");
  if (digits < text.size() && text[digits] == '.') {
    return invalid("memory", text, "fractions are not accepted; use a smaller unit, e.g. 1536Mi");
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc()) return invalid("memory", text, "too large");
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
    return invalid("memory", text, "unknown unit; use k, m, g, t or Ki, Mi, Gi, Ti (all powers of 1024)");
  if (shift > 0 && value > (UINT64_MAX >> shift)) return invalid("memory", text, "too large");
  uint64_t bytes = value << shift;
  if (bytes < kMinMemoryBytes) return invalid("memory", text, "below the minimum of 6Mi");
  return cgroup::Bound::of(bytes);
}

Result<cgroup::Bound> parsePids(std::string_view text) {
  if (isUnlimited(text)) return cgroup::Bound::unlimited();
  if (!text.empty() && text.front() == '-') return invalid("pids", text, "must be at least 1");
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return invalid("pids", text, "expected a whole number of tasks, e.g. 100");
  }
  if (value == 0) return invalid("pids", text, "must be at least 1");
  auto pids = cgroup::normalizePids(cgroup::Bound::of(value));
  if (!pids) return invalid("pids", text, pids.error().action);
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
