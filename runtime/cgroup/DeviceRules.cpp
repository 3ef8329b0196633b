#include "DeviceRules.h"

#include <algorithm>
#include <charconv>

#include "MessageText.h"

namespace agent::cgroup {

namespace {

DeviceRule charRule(std::optional<uint32_t> major, std::optional<uint32_t> minor, uint8_t access = kDeviceRwm) {
  return DeviceRule{DeviceType::Char, major, minor, access};
}

std::string numberText(const std::optional<uint32_t>& n) {
  return n ? std::to_string(*n) : std::string("*");
}

// "*" (any: `out` empty) or a decimal number; false for anything else.
bool parseNumber(std::string_view s, std::optional<uint32_t>& out) {
  out.reset();
  if (s == "*") return true;
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return false;
  out = value;
  return true;
}

std::optional<DeviceRule> parseLine(std::string_view line) {
  // "c 1:3 rwm"
  if (line.size() < 7 || line[1] != ' ') return std::nullopt;
  DeviceRule rule;
  switch (line[0]) {
    case 'a':
      rule.type = DeviceType::All;
      break;
    case 'b':
      rule.type = DeviceType::Block;
      break;
    case 'c':
      rule.type = DeviceType::Char;
      break;
    default:
      return std::nullopt;
  }
  line.remove_prefix(2);
  auto space = line.find(' ');
  auto colon = line.find(':');
  if (space == std::string_view::npos || colon == std::string_view::npos || colon > space) return std::nullopt;
  if (!parseNumber(line.substr(0, colon), rule.major) ||
      !parseNumber(line.substr(colon + 1, space - colon - 1), rule.minor))
    return std::nullopt;
  rule.access = 0;
  std::string_view access = line.substr(space + 1);
  if (access.empty()) return std::nullopt;
  for (char c : access) {
    uint8_t bit = c == 'm' ? kDeviceMknod : c == 'r' ? kDeviceRead : c == 'w' ? kDeviceWrite : 0;
    if (bit == 0 || (rule.access & bit)) return std::nullopt;
    rule.access |= bit;
  }
  return rule;
}

}  // namespace

std::string_view mechanismName(DeviceMechanism mechanism) {
  switch (mechanism) {
    case DeviceMechanism::V1Controller:
      return "cgroup v1 devices allow-list";
    case DeviceMechanism::BpfProgram:
      return "cgroup v2 BPF device program";
    case DeviceMechanism::Unavailable:
      break;
  }
  return "none";
}

const std::vector<DeviceRule>& defaultDeviceAllowList() {
  static const std::vector<DeviceRule> rules = {
      charRule(std::nullopt, std::nullopt, kDeviceMknod),                       // mknod of any char device
      DeviceRule{DeviceType::Block, std::nullopt, std::nullopt, kDeviceMknod},  // and any block device
      charRule(1, 3),                                                           // null
      charRule(1, 5),                                                           // zero
      charRule(1, 7),                                                           // full
      charRule(1, 8),                                                           // random
      charRule(1, 9),                                                           // urandom
      charRule(5, 0),                                                           // tty
      charRule(5, 1),                                                           // console
      charRule(5, 2),                                                           // ptmx
      charRule(136, std::nullopt),                                              // pts/*
      charRule(10, 200),                                                        // net/tun
  };
  return rules;
}

std::string v1DeviceLine(const DeviceRule& rule) {
  std::string line;
  line += static_cast<char>(rule.type);
  line += ' ';
  line += numberText(rule.major);
  line += ':';
  line += numberText(rule.minor);
  line += ' ';
  if (rule.access & kDeviceRead) line += 'r';
  if (rule.access & kDeviceWrite) line += 'w';
  if (rule.access & kDeviceMknod) line += 'm';
  return line;
}

std::vector<V1DeviceWrite> planV1DeviceWrites(const std::vector<DeviceRule>& allowed) {
  std::vector<V1DeviceWrite> writes;
  writes.push_back({kV1DevicesDenyFile, "a *:* rwm"});
  for (const DeviceRule& rule : allowed) writes.push_back({kV1DevicesAllowFile, v1DeviceLine(rule)});
  return writes;
}

Result<std::vector<DeviceRule>> parseV1DevicesList(std::string_view text) {
  std::vector<DeviceRule> rules;
  while (!text.empty()) {
    auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.empty()) continue;
    auto rule = parseLine(line);
    if (!rule) {
      return logicError("parse " + std::string(kV1DevicesListFile) + " line " + quotedForMessage(line) +
                            " (expected a rule such as \"c 1:3 rwm\")",
                        "");
    }
    rules.push_back(*rule);
  }
  return rules;
}

std::optional<std::string> v1DeviceListMismatch(const std::vector<DeviceRule>& listed,
                                                const std::vector<DeviceRule>& wanted) {
  auto lines = [](const std::vector<DeviceRule>& rules) {
    std::vector<std::string> out;
    for (const DeviceRule& r : rules) out.push_back(v1DeviceLine(r));
    std::sort(out.begin(), out.end());
    return out;
  };
  std::vector<std::string> have = lines(listed), want = lines(wanted), missing, extra;
  std::set_difference(want.begin(), want.end(), have.begin(), have.end(), std::back_inserter(missing));
  std::set_difference(have.begin(), have.end(), want.begin(), want.end(), std::back_inserter(extra));
  if (missing.empty() && extra.empty()) return std::nullopt;
  std::string why;
  auto add = [&why](const char* what, const std::vector<std::string>& rules) {
    if (rules.empty()) return;
    if (!why.empty()) why += "; ";
    why += what;
    for (size_t i = 0; i < rules.size(); ++i) why += (i ? ", " : " ") + rules[i];
  };
  add("missing", missing);
  add("extra", extra);
  return why;
}

}  // namespace agent::cgroup
