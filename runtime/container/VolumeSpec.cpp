#include "VolumeSpec.h"

#include <charconv>
#include <filesystem>
#include <optional>

#include "MessageText.h"

namespace agent::container {

namespace {

constexpr const char* kVolumeForm = "give it as HOST:CONTAINER[:ro], e.g. -v /srv/data:/data:ro";
constexpr const char* kTmpfsForm = "give it as CONTAINER[:OPTIONS], e.g. --tmpfs /run:size=64m,mode=755";

auto refuse(const char* option, std::string_view text, const std::string& why, const char* form) {
  return userError(std::string(option) + " " + quotedForMessage(text, 200) + " is invalid: " + why + "; " + form,
                   EINVAL);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

bool under(const std::string& path, std::string_view dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

// `..`, `.` and repeated slashes resolved as text, no trailing slash ("///" is "/": libstdc++'s
// lexically_normal keeps a root of several slashes as it is).
std::string normalPath(const std::string& path) {
  std::string normal = std::filesystem::path(path).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

std::optional<std::string> containerPathProblemOf(std::string& path) {
  if (path.empty() || path.front() != '/')
    return "the container path " + quotedForMessage(path) + " is not absolute (start it with /)";
  path = normalPath(path);
  if (path == "/") return std::string("the container path is the root directory, which is the image's");
  // The kernel's own filesystems, mounted by PID 1 itself: a mount there would hide or
  // replace what confines the container (masked /proc paths, read-only /sys).
  for (std::string_view system : {"/proc", "/sys", "/dev/pts"}) {
    if (under(path, system))
      return "the container path " + quotedForMessage(path) + " is under " + std::string(system) +
             ", which the container's own filesystem fills; pick another place";
  }
  if (path == "/dev") return std::string("the container path /dev is the container's device directory");
  return std::nullopt;
}

// ", e.g. $PWD/data" for a relative `path` that can be shown as it is (one line, nothing to
// escape), else nothing: the message stays one line whatever the bytes.
std::string pwdExample(std::string_view path) {
  if (path.empty()) return "";
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') return "";
  }
  return ", e.g. $PWD/" + std::string(path);
}

// Docker's RAMInBytes: a number and a binary unit, k, m, g or t (any case, with an optional
// b or ib after it): 64m is 64 MiB.
std::optional<uint64_t> parseSize(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  // Any number that fits 64 bits: the record writes a size back in bytes, up to 20 digits.
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + digits, value);
  if (digits == 0 || error != std::errc() || end != text.data() + digits) return std::nullopt;
  std::string unit;
  for (char c : text.substr(digits)) unit += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (unit.ends_with("ib"))
    unit.resize(unit.size() - 2);
  else if (unit.size() > 1 && unit.ends_with("b"))
    unit.pop_back();
  int shift = unit.empty() || unit == "b" ? 0
              : unit == "k"               ? 10
              : unit == "m"               ? 20
              : unit == "g"               ? 30
              : unit == "t"               ? 40
                                          : -1;
  if (shift < 0 || value == 0 || value > (UINT64_MAX >> shift)) return std::nullopt;
  return value << shift;
}

std::optional<uint32_t> parseMode(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  uint32_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = mode * 8 + static_cast<uint32_t>(c - '0');
  }
  if (mode > 07777) return std::nullopt;
  return mode;
}

std::string octal(uint32_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode);
  return text;
}

}  // namespace

Result<VolumeSpec> parseVolumeOption(std::string_view text) {
  constexpr const char* kOption = "volume";
  if (text.find('\0') != std::string_view::npos) return refuse(kOption, text, "it contains a NUL byte", kVolumeForm);
  auto parts = split(text, ':');
  if (parts.size() < 2)
    return refuse(kOption, text, "it names no container path (named volumes are not supported)", kVolumeForm);
  if (parts.size() > 3) return refuse(kOption, text, "it has more than three ':'-separated parts", kVolumeForm);
  VolumeSpec volume;
  volume.source = std::string(parts[0]);
  volume.target = std::string(parts[1]);
  if (volume.source.empty() || volume.source.front() != '/') {
    return refuse(kOption, text,
                  "the host path " + quotedForMessage(volume.source) +
                      " is not absolute (named volumes and relative paths are not supported; give it from /" +
                      pwdExample(parts[0]) + ")",
                  kVolumeForm);
  }
  volume.source = normalPath(volume.source);
  if (auto problem = containerPathProblemOf(volume.target)) return refuse(kOption, text, *problem, kVolumeForm);
  if (parts.size() == 3) {
    bool seen = false;
    for (std::string_view option : split(parts[2], ',')) {
      if (option == "idmap") {
        if (volume.idmap) return refuse(kOption, text, "idmap is given more than once", kVolumeForm);
        volume.idmap = true;
        continue;
      }
      if (option != "ro" && option != "rw")
        return refuse(kOption, text, "the option " + quotedForMessage(option) + " is not ro, rw or idmap", kVolumeForm);
      if (seen) return refuse(kOption, text, "ro or rw is given more than once", kVolumeForm);
      seen = true;
      volume.readOnly = option == "ro";
    }
  }
  return volume;
}

Result<VolumeSpec> parseTmpfsOption(std::string_view text) {
  constexpr const char* kOption = "tmpfs";
  if (text.find('\0') != std::string_view::npos) return refuse(kOption, text, "it contains a NUL byte", kTmpfsForm);
  size_t colon = text.find(':');
  VolumeSpec volume;
  volume.kind = VolumeKind::Tmpfs;
  volume.target = std::string(text.substr(0, colon));
  if (auto problem = containerPathProblemOf(volume.target)) return refuse(kOption, text, *problem, kTmpfsForm);
  if (colon == std::string_view::npos) return volume;
  for (std::string_view option : split(text.substr(colon + 1), ',')) {
    if (option.starts_with("size=")) {
      auto size = parseSize(option.substr(5));
      if (!size)
        return refuse(kOption, text,
                      "the size " + quotedForMessage(option.substr(5)) +
                          " is not a positive number of bytes with an optional unit k, m, g or t (e.g. size=64m)",
                      kTmpfsForm);
      volume.sizeBytes = *size;
    } else if (option.starts_with("mode=")) {
      auto mode = parseMode(option.substr(5));
      if (!mode)
        return refuse(
            kOption, text,
            "the mode " + quotedForMessage(option.substr(5)) + " is not octal permission bits (e.g. mode=1777)",
            kTmpfsForm);
      volume.mode = *mode;
    } else if (option == "ro" || option == "rw") {
      volume.readOnly = option == "ro";
    } else if (option == "exec" || option == "noexec") {
      volume.exec = option == "exec";
    } else if (option != "nosuid" && option != "nodev") {
      return refuse(
          kOption, text,
          "the option " + quotedForMessage(option) + " is not one of size=, mode=, ro, rw, exec, noexec, nosuid, nodev",
          kTmpfsForm);
    }
  }
  return volume;
}

std::string volumeOptionText(const VolumeSpec& volume) {
  if (volume.kind == VolumeKind::Bind)
    return volume.source + ":" + volume.target + (volume.readOnly ? ":ro" : ":rw") + (volume.idmap ? ",idmap" : "");
  std::string text = volume.target + ":mode=" + octal(volume.mode);
  if (volume.sizeBytes > 0) text += ",size=" + std::to_string(volume.sizeBytes);
  text += volume.readOnly ? ",ro" : ",rw";
  text += volume.exec ? ",exec" : ",noexec";
  return text;
}

Result<void> validateVolumes(const std::vector<VolumeSpec>& volumes) {
  std::vector<std::string> targets;
  for (const VolumeSpec& volume : volumes) {
    // A volume not made by the parsers (a caller of the runtime itself) is held to them too.
    std::string text = volumeOptionText(volume);
    auto parsed = volume.kind == VolumeKind::Bind ? parseVolumeOption(text) : parseTmpfsOption(text);
    if (!parsed) return tl::unexpected(parsed.error());
    if (*parsed != volume)
      return userError("volume " + quotedForMessage(text) + " is invalid: its paths are not in their normal form",
                       EINVAL);
    for (const auto& other : targets) {
      if (other == volume.target)
        return userError("two volumes are mounted on " + quotedForMessage(volume.target) +
                             " (with -v or --tmpfs); give each container path once",
                         EINVAL);
    }
    targets.push_back(volume.target);
  }
  return {};
}

std::string tmpfsMountData(const VolumeSpec& volume) {
  std::string data = "mode=" + octal(volume.mode);
  if (volume.sizeBytes > 0) data += ",size=" + std::to_string(volume.sizeBytes);
  return data;
}

std::optional<std::string> containerPathProblem(std::string& path) {
  return containerPathProblemOf(path);
}

}  // namespace agent::container
