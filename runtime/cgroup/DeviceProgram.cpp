#include "DeviceProgram.h"

namespace agent::cgroup {

namespace {

// The kernel's BPF_* macros of this kind live in its own tree (filter.h), not in uapi.
constexpr bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}
constexpr bpf_insn loadWord(uint8_t dst, uint8_t src, int16_t off) {
  return insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0);
}
constexpr bpf_insn and32(uint8_t dst, int32_t imm) {
  return insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm);
}
constexpr bpf_insn shiftRight32(uint8_t dst, int32_t imm) {
  return insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm);
}
constexpr bpf_insn move32(uint8_t dst, uint8_t src) {
  return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
}
constexpr bpf_insn move64(uint8_t dst, int32_t imm) {
  return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}
constexpr bpf_insn jumpIfNot(uint8_t dst, int32_t imm, int16_t off) {
  return insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm);
}
constexpr bpf_insn jumpIfNotRegister(uint8_t dst, uint8_t src, int16_t off) {
  return insn(BPF_JMP | BPF_JNE | BPF_X, dst, src, off, 0);
}
constexpr bpf_insn exitProgram() {
  return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

enum Register : uint8_t { R0 = 0, R1, R2, R3, R4, R5 };

// Our DeviceAccess bits are the kernel's BPF_DEVCG_ACC_* (and DEVCG_ACC_* of v1).
static_assert(int{kDeviceMknod} == int{BPF_DEVCG_ACC_MKNOD} && int{kDeviceRead} == int{BPF_DEVCG_ACC_READ} &&
              int{kDeviceWrite} == int{BPF_DEVCG_ACC_WRITE});

void emitRule(const DeviceRule& rule, std::vector<bpf_insn>& out) {
  bool checkType = rule.type != DeviceType::All;
  bool checkAccess = rule.access != kDeviceRwm;
  // Instructions in the block; each test jumps past the block's end, to the next rule.
  int remaining = (checkType ? 1 : 0) + (checkAccess ? 3 : 0) + (rule.major ? 1 : 0) + (rule.minor ? 1 : 0) + 2;
  auto emit = [&](bpf_insn i) {
    out.push_back(i);
    --remaining;
  };
  // Offsets count from the instruction after the jump: `remaining` once it is emitted.
  auto pastBlock = [&]() { return static_cast<int16_t>(remaining - 1); };
  if (checkType) {
    emit(jumpIfNot(R2, rule.type == DeviceType::Block ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, pastBlock()));
  }
  if (checkAccess) {
    // Every bit asked for must be in the rule: (asked & allowed) == asked.
    emit(move32(R1, R3));
    emit(and32(R1, rule.access));
    emit(jumpIfNotRegister(R1, R3, pastBlock()));
  }
  if (rule.major) emit(jumpIfNot(R4, static_cast<int32_t>(*rule.major), pastBlock()));
  if (rule.minor) emit(jumpIfNot(R5, static_cast<int32_t>(*rule.minor), pastBlock()));
  emit(move64(R0, 1));
  emit(exitProgram());
}

}  // namespace

std::vector<bpf_insn> deviceProgram(const std::vector<DeviceRule>& allowed) {
  std::vector<bpf_insn> program = {
      loadWord(R2, R1, offsetof(bpf_cgroup_dev_ctx, access_type)),
      and32(R2, 0xFFFF),
      loadWord(R3, R1, offsetof(bpf_cgroup_dev_ctx, access_type)),
      shiftRight32(R3, 16),
      loadWord(R4, R1, offsetof(bpf_cgroup_dev_ctx, major)),
      loadWord(R5, R1, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  for (const DeviceRule& rule : allowed) emitRule(rule, program);
  program.push_back(move64(R0, 0));
  program.push_back(exitProgram());
  return program;
}

}  // namespace agent::cgroup
