#include "Namespaces.h"

#include <unistd.h>

#include <algorithm>

#include "FileAt.h"
#include "TextParse.h"

namespace agent::ns {

std::optional<NamespaceId> parseNamespaceLink(std::string_view target) {
  size_t colon = target.find(":[");
  if (colon == std::string_view::npos || colon == 0 || target.back() != ']') return std::nullopt;
  auto inode = text::toU64(target.substr(colon + 2, target.size() - colon - 3));
  if (!inode) return std::nullopt;
  return NamespaceId{std::string(target.substr(0, colon)), *inode};
}

Result<std::vector<NamespaceId>> readNamespaces(const std::string& procRoot, pid_t pid) {
  std::string dirPath = procRoot + "/" + (pid == 0 ? std::string("self") : std::to_string(pid)) + "/ns";
  auto dir = Dir::open(dirPath);
  if (!dir) return tl::unexpected(dir.error());
  // The ns entries are symlinks, not directories, so list them by trying the known names:
  // a kernel without a namespace type simply lacks the link.
  static constexpr const char* kTypes[] = {
      "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"};
  std::vector<NamespaceId> ids;
  for (const char* type : kTypes) {
    char target[128];
    ssize_t n = ::readlinkat(dir->fd(), type, target, sizeof target - 1);
    if (n < 0) {
      if (errno == ENOENT || errno == EACCES || errno == EPERM) continue;
      return systemError("read namespace link", dir->pathOf(type));
    }
    auto id = parseNamespaceLink(std::string_view(target, static_cast<size_t>(n)));
    if (!id) return logicError("parse namespace link", dir->pathOf(type));
    // pid_for_children links read "pid:[...]": keep the name of the link, not of the type.
    id->type = type;
    ids.push_back(std::move(*id));
  }
  std::sort(ids.begin(), ids.end(), [](const auto& a, const auto& b) { return a.type < b.type; });
  return ids;
}

}  // namespace agent::ns
