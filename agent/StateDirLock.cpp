#include "StateDirLock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "FileAt.h"
#include "TextParse.h"

namespace agent {

Result<StateDirLock> StateDirLock::acquire(const std::string& stateDir) {
  std::string path = stateDir + "/agentd.lock";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return systemError("open the state directory's lock", path);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err != EWOULDBLOCK) return systemError("lock the state directory", path, err);
    auto holder = readWholeFile(path);
    std::string pid = holder ? std::string(text::trim(*holder)) : "";
    return userError("another agentd" + (pid.empty() ? std::string() : " (pid " + pid + ")") +
                         " already uses the state directory " + stateDir +
                         "; stop it first, or start this one with its own --state-dir",
                     EBUSY);
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) != 0 ||
      ::pwrite(fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    return systemError("write the pid into the state directory's lock", path);
  return StateDirLock(std::move(path), std::move(fd));
}

}  // namespace agent
