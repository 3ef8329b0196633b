#include "SocketOwner.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <string_view>

#include "FileAt.h"
#include "TextParse.h"
#include "UniqueFd.h"

namespace agent::net {
namespace {

// Whether /proc/PID/fd holds `link`; false for a process that exited or is not ours to read.
bool holdsSocket(int procFd, const char* pid, std::string_view link) {
  UniqueFd fdDir(openat(procFd, (std::string(pid) + "/fd").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fdDir.valid()) return false;
  DIR* dir = fdopendir(fdDir.release());
  if (!dir) return false;
  bool holds = false;
  char target[64];
  while (dirent* entry = readdir(dir)) {
    ssize_t n = readlinkat(dirfd(dir), entry->d_name, target, sizeof target);
    if (n > 0 && std::string_view(target, static_cast<size_t>(n)) == link) {
      holds = true;
      break;
    }
  }
  closedir(dir);
  return holds;
}

}  // namespace

std::optional<SocketOwner> findSocketOwner(ino_t inode) {
  DIR* proc = opendir("/proc");
  if (!proc) return std::nullopt;
  std::string link = "socket:[" + std::to_string(inode) + "]";
  std::optional<SocketOwner> owner;
  while (dirent* entry = readdir(proc)) {
    auto pid = text::toU64(entry->d_name);
    if (!pid || !holdsSocket(dirfd(proc), entry->d_name, link)) continue;
    auto comm = readWholeFile("/proc/" + std::string(entry->d_name) + "/comm");
    owner = SocketOwner{static_cast<pid_t>(*pid), comm ? std::string(text::trim(*comm)) : "?"};
    break;
  }
  closedir(proc);
  return owner;
}

}  // namespace agent::net
