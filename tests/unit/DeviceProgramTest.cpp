// The cgroup v2 device program: its instructions for small lists (by hand, as the kernel's
// encoding has them), and what it decides for Docker's list, run on a small interpreter of
// the instructions it may contain (the kernel's verifier and semantics are the vm tier's).
#include <gtest/gtest.h>

#include "DeviceProgram.h"

using namespace agent::cgroup;

namespace {

struct Insn {
  uint8_t code, dst, src;
  int16_t off;
  int32_t imm;
  bool operator==(const Insn&) const = default;
};

std::vector<Insn> plain(const std::vector<bpf_insn>& program) {
  std::vector<Insn> out;
  for (const bpf_insn& i : program) out.push_back({i.code, i.dst_reg, i.src_reg, i.off, i.imm});
  return out;
}

constexpr uint8_t kLoadWord = BPF_LDX | BPF_MEM | BPF_W, kAnd32 = BPF_ALU | BPF_AND | BPF_K,
                  kShift32 = BPF_ALU | BPF_RSH | BPF_K, kMove32Reg = BPF_ALU | BPF_MOV | BPF_X,
                  kMove64 = BPF_ALU64 | BPF_MOV | BPF_K, kJneImm = BPF_JMP | BPF_JNE | BPF_K,
                  kJneReg = BPF_JMP | BPF_JNE | BPF_X, kExit = BPF_JMP | BPF_EXIT;

const std::vector<Insn> kPrologue = {{kLoadWord, 2, 1, 0, 0}, {kAnd32, 2, 0, 0, 0xFFFF}, {kLoadWord, 3, 1, 0, 0},
                                     {kShift32, 3, 0, 0, 16}, {kLoadWord, 4, 1, 4, 0},   {kLoadWord, 5, 1, 8, 0}};
const std::vector<Insn> kDenyTheRest = {{kMove64, 0, 0, 0, 0}, {kExit, 0, 0, 0, 0}};

std::vector<Insn> concat(std::initializer_list<std::vector<Insn>> parts) {
  std::vector<Insn> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Runs `program` as the kernel would on one access; nullopt if it strays (a jump out of the
// program, an unknown instruction, no exit within its length).
std::optional<uint64_t> run(const std::vector<bpf_insn>& program, uint32_t type, uint32_t access, uint32_t major,
                            uint32_t minor) {
  uint32_t ctx[3] = {(access << 16) | type, major, minor};
  uint64_t r[11] = {};
  size_t pc = 0;
  for (size_t steps = 0; steps <= program.size() && pc < program.size(); ++steps) {
    const bpf_insn& i = program[pc++];
    switch (i.code) {
      case kLoadWord:
        if (i.src_reg != 1 || i.off < 0 || i.off > 8 || i.off % 4) return std::nullopt;
        r[i.dst_reg] = ctx[i.off / 4];
        break;
      case kAnd32:
        r[i.dst_reg] = static_cast<uint32_t>(r[i.dst_reg]) & static_cast<uint32_t>(i.imm);
        break;
      case kShift32:
        r[i.dst_reg] = static_cast<uint32_t>(r[i.dst_reg]) >> i.imm;
        break;
      case kMove32Reg:
        r[i.dst_reg] = static_cast<uint32_t>(r[i.src_reg]);
        break;
      case kMove64:
        r[i.dst_reg] = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
        break;
      case kJneImm:
        if (r[i.dst_reg] != static_cast<uint64_t>(static_cast<int64_t>(i.imm))) pc += i.off;
        break;
      case kJneReg:
        if (r[i.dst_reg] != r[i.src_reg]) pc += i.off;
        break;
      case kExit:
        return r[0];
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

constexpr uint32_t kChar = BPF_DEVCG_DEV_CHAR, kBlock = BPF_DEVCG_DEV_BLOCK;
constexpr uint32_t kR = BPF_DEVCG_ACC_READ, kW = BPF_DEVCG_ACC_WRITE, kM = BPF_DEVCG_ACC_MKNOD;

}  // namespace

TEST(DeviceProgram, OneExactRuleIsTypeMajorMinorThenAllow) {
  // c 1:3 rwm: no access test (rwm allows any); each test jumps past the block's 5.
  EXPECT_EQ(plain(deviceProgram({{DeviceType::Char, 1, 3, kDeviceRwm}})),
            concat({kPrologue,
                    {{kJneImm, 2, 0, 4, BPF_DEVCG_DEV_CHAR},
                     {kJneImm, 4, 0, 3, 1},
                     {kJneImm, 5, 0, 2, 3},
                     {kMove64, 0, 0, 0, 1},
                     {kExit, 0, 0, 0, 0}},
                    kDenyTheRest}));
}

TEST(DeviceProgram, AWildcardMknodRuleTestsTypeAndAccessOnly) {
  // c *:* m, then b 8:* r: the second block follows the first's exit.
  EXPECT_EQ(plain(deviceProgram({{DeviceType::Char, std::nullopt, std::nullopt, kDeviceMknod},
                                 {DeviceType::Block, 8, std::nullopt, kDeviceRead}})),
            concat({kPrologue,
                    {{kJneImm, 2, 0, 5, BPF_DEVCG_DEV_CHAR},
                     {kMove32Reg, 1, 3, 0, 0},
                     {kAnd32, 1, 0, 0, kDeviceMknod},
                     {kJneReg, 1, 3, 2, 0},
                     {kMove64, 0, 0, 0, 1},
                     {kExit, 0, 0, 0, 0},
                     {kJneImm, 2, 0, 6, BPF_DEVCG_DEV_BLOCK},
                     {kMove32Reg, 1, 3, 0, 0},
                     {kAnd32, 1, 0, 0, kDeviceRead},
                     {kJneReg, 1, 3, 3, 0},
                     {kJneImm, 4, 0, 2, 8},
                     {kMove64, 0, 0, 0, 1},
                     {kExit, 0, 0, 0, 0}},
                    kDenyTheRest}));
}

TEST(DeviceProgram, AnEmptyListRefusesEverything) {
  auto program = deviceProgram({});
  EXPECT_EQ(plain(program), concat({kPrologue, kDenyTheRest}));
  EXPECT_EQ(run(program, kChar, kR, 1, 3), 0u);
}

TEST(DeviceProgram, DockersListAllowsMknodOfAnyNodeButUseOfTheStandardOnesOnly) {
  auto program = deviceProgram(defaultDeviceAllowList());
  EXPECT_LT(program.size(), 4096u);  // BPF_MAXINSNS for an unprivileged loader; far below
  struct Case {
    uint32_t type, access, major, minor;
    uint64_t allowed;
  };
  for (const Case& c : std::initializer_list<Case>{
           {kChar, kR | kW, 1, 3, 1},     // /dev/null
           {kChar, kR, 1, 5, 1},          // zero
           {kChar, kW, 1, 7, 1},          // full
           {kChar, kR, 1, 8, 1},          // random
           {kChar, kR, 1, 9, 1},          // urandom
           {kChar, kR | kW, 5, 0, 1},     // tty
           {kChar, kR | kW, 5, 1, 1},     // console
           {kChar, kR | kW, 5, 2, 1},     // ptmx
           {kChar, kR | kW, 136, 7, 1},   // pts/7
           {kChar, kR | kW, 10, 200, 1},  // net/tun
           {kChar, kM, 1, 11, 1},         // mknod of kmsg: allowed
           {kBlock, kM, 8, 0, 1},         // mknod of a disk: allowed
           {kChar, kR, 1, 11, 0},         // reading kmsg: refused
           {kChar, kR | kW, 1, 1, 0},     // /dev/mem
           {kBlock, kR, 8, 0, 0},         // a disk
           {kBlock, kR | kM, 8, 0, 0},    // a disk, with mknod in the same ask
           {kChar, kR | kW, 10, 229, 0},  // fuse
           {kChar, kR | kW, 3, 1, 0},     // a major next to the allowed ones
           {kChar, kR | kW, 1, 4, 0},     // a minor between them
           {kBlock, kR | kW, 1, 3, 0},    // null's numbers, as a block device
           {kChar, kR | kW, 136 + (1u << 12), 0, 0},
       }) {
    EXPECT_EQ(run(program, c.type, c.access, c.major, c.minor), c.allowed)
        << "type " << c.type << " access " << c.access << " " << c.major << ":" << c.minor;
  }
}

TEST(DeviceProgram, AnAddedDeviceIsAllowedOnlyTheAccessGiven) {
  auto rules = defaultDeviceAllowList();
  rules.push_back({DeviceType::Char, 1, 11, kDeviceRead});  // --device /dev/kmsg:r
  auto program = deviceProgram(rules);
  EXPECT_EQ(run(program, kChar, kR, 1, 11), 1u);
  EXPECT_EQ(run(program, kChar, kW, 1, 11), 0u);
  EXPECT_EQ(run(program, kChar, kR | kW, 1, 11), 0u);
  EXPECT_EQ(run(program, kChar, kM, 1, 11), 1u);  // as before: c *:* m
  EXPECT_EQ(run(program, kChar, kR, 1, 12), 0u);
}
