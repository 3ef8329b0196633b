#include "UserNamespace.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

namespace agent::userns {

namespace {

Result<void> writeMap(const std::string& path, const std::string& line) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return systemError("open for writing", path);
  // The kernel takes the whole map in one write, and refuses a second one.
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return systemError("write the id map \"" + line.substr(0, line.size() - 1) + "\" to", path);
  return {};
}

bool sameFile(int a, int b) {
  struct stat sa {
  }, sb{};
  return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace

Result<void> writeIdMaps(pid_t pid, const IdMapping& mapping, const std::string& procRoot) {
  std::string dir = procRoot + "/" + std::to_string(pid);
  if (auto r = writeMap(dir + "/uid_map", mapLine(mapping.hostUid, mapping.size)); !r) return r;
  return writeMap(dir + "/gid_map", mapLine(mapping.hostGid, mapping.size));
}

Result<void> becomeNamespaceRoot() {
  if (::setresgid(0, 0, 0) != 0) return systemError("become gid 0 of the container's user namespace", "");
  if (::setgroups(0, nullptr) != 0) return systemError("drop supplementary groups in the user namespace", "");
  if (::setresuid(0, 0, 0) != 0) return systemError("become uid 0 of the container's user namespace", "");
  return {};
}

bool isCallersNamespace(int nsFd, const char* type) {
  UniqueFd own(::open((std::string("/proc/self/ns/") + type).c_str(), O_RDONLY | O_CLOEXEC));
  return own.valid() && sameFile(nsFd, own.get());
}

}  // namespace agent::userns
