#pragma once
// Loading and attaching a cgroup v2 device program (DeviceProgram.h) with the raw bpf(2)
// system call, as crun does: no libbpf, only the kernel's uapi header.
//
// Attached with BPF_PROG_ATTACH (not a bpf link, which would detach with its last fd), the
// program is held by the cgroup until it is detached or the cgroup removed: it outlives
// agentd and the shim, so an agentd restart finds it in place (attachedDevicePrograms).
// BPF_F_ALLOW_MULTI lets the programs of the group and of its ancestors all run; every one
// must allow, so a program can only restrict what its ancestors allow.
#include <linux/bpf.h>

#include <cstdint>
#include <span>

#include "Error.h"
#include "FileAt.h"

namespace agent::cgroup {

// Loads `program` and attaches it to the cgroup2 directory `group`. The verifier's log is in
// the error when the kernel refuses the program.
Result<void> attachDeviceProgram(const Dir& group, std::span<const bpf_insn> program);
// How many device programs are attached to `group` itself (its ancestors' not counted).
Result<uint32_t> attachedDevicePrograms(const Dir& group);
// Detaches every device program of `group` itself; how many. (Removing the group detaches
// them too: this is for an operator's repair and for the tests of re-adoption.)
Result<uint32_t> detachDevicePrograms(const Dir& group);

}  // namespace agent::cgroup
