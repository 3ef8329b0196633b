#pragma once
// One interface, one implementation per cgroup version. The logical cgroup (Cgroup) picks
// the backend per controller, because on a hybrid host cpu may be v1 while hugetlb is v2.
// Tests of code above this layer can substitute a recording backend.
#include <chrono>
#include <span>
#include <vector>

#include "ControlFileParsers.h"
#include "Controller.h"
#include "Error.h"
#include "FileAt.h"
#include "Limits.h"
#include "Stats.h"
#include "StatsPlan.h"

namespace agent::cgroup {

struct FreezerStatus {
  FreezerState state = FreezerState::Thawed;  // effective state of this cgroup
  bool selfFrozen = false;                    // this cgroup was asked to freeze
  bool parentFrozen = false;                  // an ancestor was asked to freeze
};

using Buffer = std::span<char>;

class CgroupBackend {
 public:
  virtual ~CgroupBackend() = default;
  virtual CgroupVersion version() const = 0;

  // Stats: append the control files to read, each with its parser, to `plan`. Files the
  // version may lack are marked optional; the first file of each controller is required,
  // so a vanished group reports an error whose isGone() is true.
  // `cpuacct` is where v1 keeps usage (the same directory as `cpu` when co-mounted, or
  // null when not mounted); v2 ignores it.
  virtual void planCpuStats(const Dir& cpu, const Dir* cpuacct, StatsPlan& plan) const = 0;
  virtual void planMemoryStats(const Dir& memory, StatsPlan& plan) const = 0;
  virtual void planPidsStats(const Dir& pids, StatsPlan& plan) const = 0;
  virtual void planIoStats(const Dir& io, StatsPlan& plan) const = 0;

  // Limits: only the fields that are set are written; reads fill what the version has.
  // Memory values are in the kernel's whole pages of `pageSize` bytes (KernelLimits.h).
  virtual Result<void> readCpuLimits(const Dir& cpu, Limits& out, Buffer buffer) const = 0;
  virtual Result<void> writeCpuLimits(const Dir& cpu, const Limits& limits) const = 0;
  virtual Result<void> readMemoryLimits(const Dir& memory, Limits& out, Buffer buffer, uint64_t pageSize) const = 0;
  virtual Result<void> writeMemoryLimits(const Dir& memory, const Limits& limits, uint64_t pageSize) const = 0;
  virtual Result<void> readPidsLimits(const Dir& pids, Limits& out, Buffer buffer) const = 0;
  virtual Result<void> writePidsLimits(const Dir& pids, const Limits& limits) const = 0;
  // The file that holds `c`'s limit (cpu.max, memory.limit_in_bytes...), nullptr if `c` has
  // none. A group's directory without it cannot take the limit: on v2 the controller is
  // not enabled in the parent's cgroup.subtree_control.
  virtual const char* limitFileOf(Controller c) const = 0;

  // Freezer: both wait until the kernel reports the new state, bounded by `timeout`; a
  // freeze that times out is undone before the error is returned.
  virtual Result<void> freeze(const Dir& dir, std::chrono::milliseconds timeout) const = 0;
  virtual Result<void> thaw(const Dir& dir, std::chrono::milliseconds timeout) const = 0;
  virtual Result<FreezerStatus> freezerStatus(const Dir& dir) const = 0;
  // The effective state alone, from one file: for collectors, which read it every cycle.
  virtual Result<FreezerState> freezerState(const Dir& dir) const = 0;
};

const CgroupBackend& backendFor(CgroupVersion version);

// pids.current and pids.max read and write the same on both versions.
void planPidsFiles(const Dir& pids, StatsPlan& plan);
Result<void> readPidsMaxLimit(const Dir& pids, Limits& out, Buffer buffer);
Result<void> writePidsMaxLimit(const Dir& pids, const Limits& limits);

// Reads an optional control file: a missing file (older kernel, accounting off) is an
// empty view, not an error.
Result<std::optional<std::string_view>> readOptionalFileAt(const Dir& dir, const char* name, Buffer buffer);

}  // namespace agent::cgroup
