#include "MountNamespaceHelper.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace agent::userns {

namespace {

// What the helper reports when a step fails. Fixed size: one write(2).
struct StepFailure {
  int errnum;
  char action[120];
  char path[512];
};

[[noreturn]] void failStep(int reportFd, const char* action, const std::string& path) {
  StepFailure failure{};
  failure.errnum = errno;
  std::strncpy(failure.action, action, sizeof failure.action - 1);
  std::strncpy(failure.path, path.c_str(), sizeof failure.path - 1);
  (void)!::write(reportFd, &failure, sizeof failure);
  ::_exit(1);
}

}  // namespace

Result<UniqueFd> openNamespaceOf(pid_t pid, const std::string& procRoot, const char* type) {
  std::string path = procRoot + "/" + std::to_string(pid) + "/ns/" + type;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return systemError("open namespace", path);
  return fd;
}

Result<void> runInMountNamespace(pid_t pid, const std::string& procRoot,
                                 const std::function<bool(StepFailed& failed)>& steps, const std::string& shown) {
  auto mountNs = openNamespaceOf(pid, procRoot, "mnt");
  if (!mountNs) return tl::unexpected(mountNs.error());
  std::string mountNsPath = procRoot + "/" + std::to_string(pid) + "/ns/mnt";
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return systemError("create a pipe to mount", shown);
  // The caller (agent-shim, a test) is single-threaded: the helper may allocate.
  pid_t helper = ::fork();
  if (helper < 0) {
    int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    return systemError("fork to mount", shown, err);
  }
  if (helper == 0) {
    ::close(report[0]);
    if (::setns(mountNs->get(), CLONE_NEWNS) != 0)
      failStep(report[1], "join the container's mount namespace", mountNsPath);
    StepFailed failed;
    if (!steps(failed)) failStep(report[1], failed.action, failed.path);
    ::_exit(0);
  }
  ::close(report[1]);
  StepFailure failure{};
  ssize_t n;
  do {
    n = ::read(report[0], &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  int status = 0;
  while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {
  }
  if (n == static_cast<ssize_t>(sizeof failure)) {
    failure.action[sizeof failure.action - 1] = '\0';
    failure.path[sizeof failure.path - 1] = '\0';
    return systemError(failure.action, failure.path, failure.errnum);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return logicError("mount (helper failed)", shown);
  return {};
}

}  // namespace agent::userns
