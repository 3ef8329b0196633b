#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agent::proc {

// The fields of /proc/<pid>/stat that the agent uses (proc(5) numbering in comments).
struct ProcStat {
  pid_t pid = 0;                // 1
  std::string comm;             // 2, without the parentheses; may itself contain ") ("
  char state = '?';             // 3
  pid_t ppid = 0;               // 4
  pid_t pgrp = 0;               // 5
  pid_t session = 0;            // 6
  uint64_t utimeTicks = 0;      // 14
  uint64_t stimeTicks = 0;      // 15
  int64_t numThreads = 0;       // 20
  uint64_t startTimeTicks = 0;  // 22: with the pid, identifies a process across pid reuse
  uint64_t vsizeBytes = 0;      // 23
  int64_t rssPages = 0;         // 24
};

// Parses one /proc/<pid>/stat line. The command name is found by the LAST ')' because a
// process may name itself anything, parentheses and spaces included.
std::optional<ProcStat> parseProcStat(std::string_view text);

}  // namespace agent::proc
