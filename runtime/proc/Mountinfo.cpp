#include "Mountinfo.h"

#include "TextParse.h"

namespace agent::proc {

bool MountEntry::hasSuperOption(std::string_view option) const {
  std::string_view rest = superOptions;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    if (rest.substr(0, comma) == option) return true;
    rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
  }
  return false;
}

std::string unescapeMountPath(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '\\' && i + 3 < path.size()) {
      auto isOctal = [](char c) { return c >= '0' && c <= '7'; };
      if (isOctal(path[i + 1]) && isOctal(path[i + 2]) && isOctal(path[i + 3])) {
        out += static_cast<char>((path[i + 1] - '0') * 64 + (path[i + 2] - '0') * 8 + (path[i + 3] - '0'));
        i += 3;
        continue;
      }
    }
    out += path[i];
  }
  return out;
}

std::vector<MountEntry> parseMountinfo(std::string_view text) {
  std::vector<MountEntry> entries;
  while (!text.empty()) {
    std::string_view line = text::nextLine(text);
    MountEntry entry;
    auto id = text::toI64(text::nextField(line));
    auto parent = text::toI64(text::nextField(line));
    std::string_view devices = text::nextField(line);
    std::string_view root = text::nextField(line);
    std::string_view mountPoint = text::nextField(line);
    std::string_view options = text::nextField(line);
    size_t colon = devices.find(':');
    if (!id || !parent || colon == std::string_view::npos || mountPoint.empty()) continue;
    auto major = text::toU64(devices.substr(0, colon));
    auto minor = text::toU64(devices.substr(colon + 1));
    if (!major || !minor) continue;
    // Optional fields ("shared:1", "master:2") run until a lone "-".
    std::string_view field;
    do {
      field = text::nextField(line);
    } while (!field.empty() && field != "-");
    if (field != "-") continue;
    std::string_view fsType = text::nextField(line);
    std::string_view source = text::nextField(line);
    std::string_view superOptions = text::nextField(line);
    if (fsType.empty()) continue;

    entry.mountId = static_cast<int>(*id);
    entry.parentId = static_cast<int>(*parent);
    entry.major = static_cast<unsigned>(*major);
    entry.minor = static_cast<unsigned>(*minor);
    entry.root = unescapeMountPath(root);
    entry.mountPoint = unescapeMountPath(mountPoint);
    entry.mountOptions = std::string(options);
    entry.fsType = std::string(fsType);
    entry.source = unescapeMountPath(source);
    entry.superOptions = std::string(superOptions);
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace agent::proc
