#include "ContainerUser.h"

#include <grp.h>
#include <unistd.h>

#include <charconv>

#include "FileAt.h"
#include "MessageText.h"

namespace agent::container {

namespace {

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ':') {
      parts.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

template <typename Visit>
void eachLine(std::string_view text, Visit visit) {
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    if (!visit(fields(line))) return;
  }
}

bool number(std::string_view text, uint32_t& value) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<ContainerUser> resolveContainerUser(std::string_view user, std::string_view passwd, std::string_view group) {
  std::string_view userPart = user.substr(0, user.find(':'));
  std::string_view groupPart = user.find(':') == std::string_view::npos ? "" : user.substr(user.find(':') + 1);
  auto refuse = [&](const std::string& why) {
    return userError("the user " + quotedForMessage(user) + " " + why +
                     "; give a user of the image (its /etc/passwd), or uid[:gid] numbers");
  };
  if (userPart.empty()) return refuse("has no name or uid");
  ContainerUser result;
  uint32_t uid = 0;
  bool numeric = number(userPart, uid);
  bool found = false;
  std::string name;
  eachLine(passwd, [&](const std::vector<std::string_view>& f) {
    if (f.size() < 7) return true;
    uint32_t entryUid = 0, entryGid = 0;
    if (!number(f[2], entryUid) || !number(f[3], entryGid)) return true;
    if (numeric ? entryUid != uid : f[0] != userPart) return true;
    found = true;
    name = std::string(f[0]);
    result.uid = entryUid;
    result.gid = entryGid;
    result.home = f[5].empty() ? "/" : std::string(f[5]);
    return false;
  });
  if (!found) {
    if (!numeric) return refuse("is not in the image's /etc/passwd");
    result.uid = uid;
    result.gid = 0;
  }
  if (!groupPart.empty()) {
    uint32_t gid = 0;
    bool numericGroup = number(groupPart, gid);
    bool groupFound = numericGroup;
    if (!numericGroup) {
      eachLine(group, [&](const std::vector<std::string_view>& f) {
        if (f.size() < 3 || f[0] != groupPart || !number(f[2], gid)) return true;
        groupFound = true;
        return false;
      });
    }
    if (!groupFound) return refuse("names a group that is not in the image's /etc/group");
    result.gid = gid;
  }
  if (!name.empty()) {
    eachLine(group, [&](const std::vector<std::string_view>& f) {
      uint32_t gid = 0;
      if (f.size() < 4 || !number(f[2], gid)) return true;
      std::string_view members = f[3];
      while (!members.empty()) {
        size_t comma = members.find(',');
        if (members.substr(0, comma) == name && gid != result.gid) {
          result.groups.push_back(gid);
          break;
        }
        members = comma == std::string_view::npos ? std::string_view() : members.substr(comma + 1);
      }
      return true;
    });
  }
  return result;
}

Result<ContainerUser> becomeContainerUser(std::string_view user, bool terminalOnStdin) {
  std::string passwd = readWholeFile("/etc/passwd").value_or("");
  std::string group = readWholeFile("/etc/group").value_or("");
  auto resolved = resolveContainerUser(user, passwd, group);
  if (!resolved) return resolved;
  // The terminal is the user's, as a login's is (runc's fixStdioPermissions): else a non-root
  // user could not open its own /dev/pts/N again (`echo > $(tty)`). Best effort: without
  // CAP_CHOWN (--cap-drop CHOWN) it stays root's, as it would with runc.
  if (terminalOnStdin && ::isatty(STDIN_FILENO)) (void)!::fchown(STDIN_FILENO, resolved->uid, resolved->gid);
  if (::setgroups(resolved->groups.size(), resolved->groups.data()) != 0)
    return systemError("set the supplementary groups of user", std::string(user));
  if (::setresgid(resolved->gid, resolved->gid, resolved->gid) != 0)
    return systemError("become group " + std::to_string(resolved->gid) + " (CAP_SETGID dropped?) for user",
                       std::string(user));
  if (::setresuid(resolved->uid, resolved->uid, resolved->uid) != 0)
    return systemError("become uid " + std::to_string(resolved->uid) + " (CAP_SETUID dropped?) for user",
                       std::string(user));
  return resolved;
}

}  // namespace agent::container
