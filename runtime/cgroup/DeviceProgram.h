#pragma once
// The cgroup v2 form of a device allow-list: a BPF_PROG_TYPE_CGROUP_DEVICE program, emitted
// as instructions (no compiler, no libbpf), the shape crun and runc emit ("taken from
// systemd"). The kernel runs it on every mknod and every open of a device node by a process
// of the group; r0 = 1 allows, 0 refuses (EPERM).
//
//   r2 = ctx->access_type & 0xFFFF   (BPF_DEVCG_DEV_BLOCK 1, _CHAR 2)
//   r3 = ctx->access_type >> 16      (BPF_DEVCG_ACC_MKNOD 1, _READ 2, _WRITE 4)
//   r4 = ctx->major; r5 = ctx->minor
//   per rule, in order:  if type differs, or the access asked for is not all within the
//                        rule's, or major or minor differs (unless "*"): on to the next rule;
//                        else r0 = 1; exit
//   r0 = 0; exit
//
// The first rule that matches decides, and every rule allows: what no rule allows is refused.
#include <linux/bpf.h>

#include <vector>

#include "DeviceRules.h"

namespace agent::cgroup {

std::vector<bpf_insn> deviceProgram(const std::vector<DeviceRule>& allowed);

}  // namespace agent::cgroup
