#include "StateStore.h"

#include <sys/stat.h>

#include <filesystem>

#include "AtomicFile.h"
#include "FileAt.h"

namespace agent::container {

namespace {
constexpr char kConfig[] = "config.json";
constexpr char kPid[] = "pid.json";
constexpr char kExit[] = "exit.json";
constexpr char kUsage[] = "usage.json";

template <typename T, typename Parse>
Result<std::optional<T>> readOptional(const std::string& path, Parse parse) {
  auto text = readWholeFile(path);
  if (!text) {
    if (text.error().errnum == ENOENT) return std::optional<T>();
    return tl::unexpected(text.error());
  }
  auto value = parse(*text, path);
  if (!value) return tl::unexpected(value.error());
  return std::optional<T>(std::move(*value));
}
}  // namespace

std::string_view stateName(ContainerState state) {
  switch (state) {
    case ContainerState::Created:
      return "created";
    case ContainerState::Running:
      return "running";
    case ContainerState::Paused:
      return "paused";
    case ContainerState::Stopped:
      return "stopped";
  }
  return "unknown";
}

Result<void> StateStore::create(const ContainerConfig& config) const {
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  if (ec) return systemError("create state directory", root_, ec.value());
  std::string dir = dirOf(config.spec.id);
  if (::mkdir(dir.c_str(), 0700) != 0) return systemError("create container state directory", dir);
  return writeFileAtomically(dir, kConfig, toJson(config));
}

Result<void> StateStore::rewriteConfig(const ContainerConfig& config) const {
  return writeFileAtomically(dirOf(config.spec.id), kConfig, toJson(config));
}

Result<ContainerConfig> StateStore::readConfig(const std::string& id) const {
  std::string path = dirOf(id) + "/" + kConfig;
  auto text = readWholeFile(path);
  if (!text) return tl::unexpected(text.error());
  return configFromJson(*text, path);
}

Result<std::optional<PidRecord>> StateStore::readPid(const std::string& id) const {
  return readOptional<PidRecord>(dirOf(id) + "/" + kPid, pidRecordFromJson);
}

Result<std::optional<ExitRecord>> StateStore::readExit(const std::string& id) const {
  return readOptional<ExitRecord>(dirOf(id) + "/" + kExit, exitRecordFromJson);
}

Result<void> StateStore::writePid(const std::string& id, const PidRecord& record) const {
  return writeFileAtomically(dirOf(id), kPid, toJson(record));
}

Result<void> StateStore::writeExit(const std::string& id, const ExitRecord& record) const {
  return writeFileAtomically(dirOf(id), kExit, toJson(record));
}

Result<std::optional<FinalUsage>> StateStore::readUsage(const std::string& id) const {
  return readOptional<FinalUsage>(dirOf(id) + "/" + kUsage, finalUsageFromJson);
}

Result<void> StateStore::writeUsage(const std::string& id, const FinalUsage& usage) const {
  return writeFileAtomically(dirOf(id), kUsage, toJson(usage));
}

Result<std::vector<std::string>> StateStore::listIds() const {
  auto dir = Dir::open(root_);
  if (!dir) {
    if (dir.error().errnum == ENOENT) return std::vector<std::string>{};
    return tl::unexpected(dir.error());
  }
  return listSubdirs(*dir);
}

Result<void> StateStore::remove(const std::string& id) const {
  std::error_code ec;
  std::filesystem::remove_all(dirOf(id), ec);
  if (ec) return systemError("remove container state", dirOf(id), ec.value());
  return {};
}

ContainerStatus deriveStatus(const std::optional<PidRecord>& pid, const std::optional<ExitRecord>& exit,
                             const proc::ProcFs& procfs) {
  ContainerStatus status;
  // When PID 1 started stays part of the record after it stopped (started <= finished).
  if (pid) status.startedAtUnixMs = pid->startedAtUnixMs;
  if (exit) {
    status.state = ContainerState::Stopped;
    status.exit = exit;
    return status;
  }
  if (!pid) return status;  // created: the shim has not reported PID 1 yet
  auto alive = [&](pid_t p, uint64_t startTime) {
    auto stat = procfs.readStat(p);
    return stat && stat->startTimeTicks == startTime && stat->state != 'Z';
  };
  if (alive(pid->pid, pid->startTimeTicks)) {
    status.state = ContainerState::Running;
    status.pid = pid;
    return status;
  }
  // PID 1 has ended (or its pid names another process now). While its shim lives, the exit
  // record is on its way: the container is still finishing, not stopped.
  if (pid->shimPid != 0 && alive(pid->shimPid, pid->shimStartTimeTicks)) {
    status.state = ContainerState::Running;
    return status;
  }
  // Both gone without an exit record (killed together): stopped, exit code unknown.
  status.state = ContainerState::Stopped;
  return status;
}

}  // namespace agent::container
