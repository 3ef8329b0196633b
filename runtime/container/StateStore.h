#pragma once
// The containers' records under <state-dir>/containers/<id>/ (see ContainerRecord.h).
#include <optional>
#include <string>
#include <vector>

#include "ContainerRecord.h"
#include "Error.h"
#include "ProcFs.h"

namespace agent::container {

class StateStore {
 public:
  explicit StateStore(std::string containersDir) : root_(std::move(containersDir)) {}

  const std::string& root() const { return root_; }
  std::string dirOf(const std::string& id) const { return root_ + "/" + id; }

  // Makes the container's directory (0700) and writes config.json; EEXIST if the id exists.
  Result<void> create(const ContainerConfig& config) const;
  Result<ContainerConfig> readConfig(const std::string& id) const;
  // Replaces config.json of an existing container (tmp file + rename).
  Result<void> rewriteConfig(const ContainerConfig& config) const;
  // Empty when the record has not been written (yet).
  Result<std::optional<PidRecord>> readPid(const std::string& id) const;
  Result<std::optional<ExitRecord>> readExit(const std::string& id) const;
  Result<void> writePid(const std::string& id, const PidRecord& record) const;
  Result<void> writeExit(const std::string& id, const ExitRecord& record) const;
  Result<std::optional<FinalUsage>> readUsage(const std::string& id) const;
  Result<void> writeUsage(const std::string& id, const FinalUsage& usage) const;
  // Every container directory, in no particular order.
  Result<std::vector<std::string>> listIds() const;
  // Deletes the container's directory and everything in it.
  Result<void> remove(const std::string& id) const;

 private:
  std::string root_;
};

enum class ContainerState { Created, Running, Paused, Stopped };
std::string_view stateName(ContainerState state);  // created, running, paused, stopped

struct ContainerStatus {
  ContainerState state = ContainerState::Created;
  std::optional<PidRecord> pid;     // set while PID 1 runs
  std::optional<ExitRecord> exit;   // set once stopped, if the shim recorded it
  int64_t startedAtUnixMs = 0;      // once PID 1 ran, kept after it stopped; 0 if it never ran
  std::optional<FinalUsage> usage;  // once stopped and its cgroup read (see ContainerRuntime)
};

// Derives a container's state from its records and the live process table. A pid whose
// process now has another start time is a different process reusing the number, never
// the container. A container whose PID 1 ended is stopped once its exit record exists, or
// once its shim is gone too; until then it is finishing (reported running, without pid).
// Paused is not decided here (that is the freezer's state).
ContainerStatus deriveStatus(const std::optional<PidRecord>& pid, const std::optional<ExitRecord>& exit,
                             const proc::ProcFs& procfs);

}  // namespace agent::container
