#include "BpfDevicePrograms.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "UniqueFd.h"

namespace agent::cgroup {

namespace {

long bpf(int command, bpf_attr& attr) {
  return ::syscall(SYS_bpf, command, &attr, sizeof attr);
}

// Any string: the program calls no helper, GPL-only or not.
constexpr char kLicense[] = "Apache-2.0";
constexpr char kProgramName[] = "agent_devices";  // as bpftool prog lists it
static_assert(sizeof kProgramName <= BPF_OBJ_NAME_LEN);

bpf_attr loadRequest(std::span<const bpf_insn> program) {
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = reinterpret_cast<uint64_t>(program.data());
  attr.insn_cnt = static_cast<uint32_t>(program.size());
  attr.license = reinterpret_cast<uint64_t>(kLicense);
  std::memcpy(attr.prog_name, kProgramName, sizeof kProgramName);
  return attr;
}

Result<UniqueFd> loadProgram(std::span<const bpf_insn> program, const std::string& pathForErrors) {
  bpf_attr attr = loadRequest(program);
  long fd = bpf(BPF_PROG_LOAD, attr);
  if (fd >= 0) return UniqueFd(static_cast<int>(fd));
  int err = errno;
  if (err != EINVAL && err != EACCES) {
    return systemError("load the BPF device program for", pathForErrors, err);
  }
  // Refused by the verifier: load again for its reason.
  std::vector<char> log(64 * 1024);
  attr = loadRequest(program);
  attr.log_level = 1;
  attr.log_buf = reinterpret_cast<uint64_t>(log.data());
  attr.log_size = static_cast<uint32_t>(log.size());
  fd = bpf(BPF_PROG_LOAD, attr);
  if (fd >= 0) return UniqueFd(static_cast<int>(fd));  // accepted the second time
  log.back() = '\0';
  std::string reason(log.data());
  while (!reason.empty() && reason.back() == '\n') reason.pop_back();
  if (auto lastLine = reason.rfind('\n'); lastLine != std::string::npos) reason = reason.substr(lastLine + 1);
  return systemError("load the BPF device program (the verifier says: " + reason + ") for", pathForErrors, err);
}

}  // namespace

Result<void> attachDeviceProgram(const Dir& group, std::span<const bpf_insn> program) {
  auto loaded = loadProgram(program, group.path());
  if (!loaded) return tl::unexpected(loaded.error());
  bpf_attr attr{};
  attr.target_fd = static_cast<uint32_t>(group.fd());
  attr.attach_bpf_fd = static_cast<uint32_t>(loaded->get());
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  // The group holds the program from here on; our fd on it closes on return.
  if (bpf(BPF_PROG_ATTACH, attr) != 0) return systemError("attach the BPF device program to", group.path());
  return {};
}

Result<uint32_t> attachedDevicePrograms(const Dir& group) {
  bpf_attr attr{};
  attr.query.target_fd = static_cast<uint32_t>(group.fd());
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  // No room for ids: the kernel fills in only their count.
  if (bpf(BPF_PROG_QUERY, attr) != 0) return systemError("query the BPF device programs of", group.path());
  return attr.query.prog_cnt;
}

Result<uint32_t> detachDevicePrograms(const Dir& group) {
  std::vector<uint32_t> ids(64);
  bpf_attr attr{};
  attr.query.target_fd = static_cast<uint32_t>(group.fd());
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = reinterpret_cast<uint64_t>(ids.data());
  attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
  if (bpf(BPF_PROG_QUERY, attr) != 0) return systemError("query the BPF device programs of", group.path());
  uint32_t detached = 0;
  for (uint32_t i = 0; i < attr.query.prog_cnt; ++i) {
    bpf_attr byId{};
    byId.prog_id = ids[i];
    long fd = bpf(BPF_PROG_GET_FD_BY_ID, byId);
    if (fd < 0) return systemError("open BPF program " + std::to_string(ids[i]) + " of", group.path());
    UniqueFd program(static_cast<int>(fd));
    bpf_attr detach{};
    detach.target_fd = static_cast<uint32_t>(group.fd());
    detach.attach_bpf_fd = static_cast<uint32_t>(program.get());
    detach.attach_type = BPF_CGROUP_DEVICE;
    if (bpf(BPF_PROG_DETACH, detach) != 0) return systemError("detach a BPF device program from", group.path());
    ++detached;
  }
  return detached;
}

}  // namespace agent::cgroup
