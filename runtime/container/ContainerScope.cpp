#include "ContainerScope.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "FileAt.h"

namespace agent::container {

namespace {

void endHolder(pid_t holder) {
  if (holder <= 0) return;
  ::kill(holder, SIGKILL);
  while (::waitpid(holder, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

std::string SystemdScopes::scopePathOf(const std::string& id) const {
  return (slicePath == "/" ? "" : slicePath) + "/agent-" + id + ".scope";
}

std::string SystemdScopes::containerPathOf(const std::string& id) const {
  return scopePathOf(id) + "/container";
}

Result<ContainerScope> ContainerScope::enter(const SystemdScopes& scopes, const cgroup::Hierarchy& hierarchy,
                                             const std::string& id, const std::string& name) {
  const cgroup::CgroupMount* unified = hierarchy.unifiedMount();
  if (!unified || hierarchy.mode() != cgroup::CgroupMode::Unified) {
    return userError("the systemd cgroup driver needs cgroup v2 alone (this host: " +
                         std::string(cgroup::modeName(hierarchy.mode())) + ")",
                     ENOTSUP);
  }
  std::string scopePath = scopes.scopePathOf(id);
  // The holder does nothing but wait to be ended; it dies with the thread that made it, so a
  // crash mid-run leaves no holder keeping a scope.
  pid_t holder = ::fork();
  if (holder < 0) return systemError("fork the scope's holder for", scopePath);
  if (holder == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (;;) ::pause();
  }
  std::string scopeName = "agent-" + id + ".scope";
  auto started =
      scopes.startScope(scopeName, scopePath, holder, "agentd container " + name + " (" + id.substr(0, 12) + ")");
  if (!started) {
    endHolder(holder);
    return tl::unexpected(started.error());
  }
  std::string scopeDir = unified->mountPoint + scopePath;
  std::string supervisor = scopeDir + "/supervisor";
  if (::mkdir(supervisor.c_str(), 0755) != 0 && errno != EEXIST) {
    auto failed = systemError("create the supervisor group of", scopeDir);
    endHolder(holder);
    return failed;
  }
  ContainerScope scope(supervisor, scopePath, holder);
  if (auto moved = scope.adoptShim(holder); !moved) return tl::unexpected(moved.error());
  return scope;
}

ContainerScope::ContainerScope(ContainerScope&& other) noexcept
    : supervisorDir_(std::move(other.supervisorDir_)), scopePath_(std::move(other.scopePath_)), holder_(other.holder_) {
  other.holder_ = -1;
}

ContainerScope::~ContainerScope() {
  endHolder(holder_);
}

Result<void> ContainerScope::adoptShim(pid_t shim) const {
  auto dir = Dir::open(supervisorDir_);
  if (!dir) return tl::unexpected(dir.error());
  return writeFileAt(*dir, "cgroup.procs", std::to_string(shim));
}

}  // namespace agent::container
