#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agent::proc {

// The fields of /proc/<pid>/status that the agent uses. Fields a kernel lacks stay empty.
struct ProcStatus {
  std::string name;
  char state = '?';
  std::optional<pid_t> tgid, pid, ppid;
  std::optional<uint32_t> uid;  // real uid
  std::optional<uint32_t> gid;  // real gid
  std::optional<uint64_t> threads;
  std::optional<uint64_t> vmRssBytes;
  std::vector<pid_t> nsPids;  // NSpid: the pid in each nested pid namespace, outermost first
};

std::optional<ProcStatus> parseProcStatus(std::string_view text);

}  // namespace agent::proc
