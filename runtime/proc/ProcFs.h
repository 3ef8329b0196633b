#pragma once
// Reads /proc. The root is a parameter so unit tests run on fixture trees without root.
#include <sys/types.h>

#include <string>
#include <vector>

#include "BootClock.h"
#include "Error.h"
#include "Mountinfo.h"
#include "NetDev.h"
#include "ProcCgroup.h"
#include "ProcStat.h"
#include "ProcStatus.h"

namespace agent::proc {

class ProcFs {
 public:
  explicit ProcFs(std::string root = "/proc") : root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  // "<root>/<pid>" or "<root>/self" for pid 0.
  std::string pidDir(pid_t pid) const;

  Result<ProcStat> readStat(pid_t pid) const;
  Result<ProcStatus> readStatus(pid_t pid) const;
  Result<std::vector<CgroupMembership>> readCgroup(pid_t pid) const;
  Result<std::vector<MountEntry>> readMountinfo(pid_t pid) const;
  Result<std::vector<NetDevStats>> readNetDev(pid_t pid) const;
  // `btime` of <root>/stat: the boot time, Unix seconds.
  Result<int64_t> readBootTimeSeconds() const;
  // Every numeric entry of the root: the pids alive at the time of the scan.
  Result<std::vector<pid_t>> listPids() const;

 private:
  Result<std::string> readPidFile(pid_t pid, const char* name) const;
  std::string root_;
};

}  // namespace agent::proc
