#pragma once
// Small allocation-free helpers shared by the /proc and cgroup parsers.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace agent::text {

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// The whole of `s` (after trimming) as an unsigned integer, or nothing.
inline std::optional<uint64_t> toU64(std::string_view s) {
  s = trim(s);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

inline std::optional<int64_t> toI64(std::string_view s) {
  s = trim(s);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

// Splits off the next line (without its '\n') from `rest`.
inline std::string_view nextLine(std::string_view& rest) {
  size_t end = rest.find('\n');
  std::string_view line = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
  return line;
}

// Splits off the next field separated by any run of spaces or tabs.
inline std::string_view nextField(std::string_view& rest) {
  size_t start = rest.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  size_t end = rest.find_first_of(" \t");
  std::string_view field = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  return field;
}

// Calls fn(key, value) for each "key value" line (memory.stat, cpu.stat, memory.events...).
// Lines that do not parse are skipped: kernels add keys and formats every release.
template <typename Fn>
void forEachKeyValue(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    std::string_view line = nextLine(text);
    std::string_view key = nextField(line);
    std::optional<uint64_t> value = toU64(line);
    if (!key.empty() && value) fn(key, *value);
  }
}

}  // namespace agent::text
