// The order of cgroup v1's memory writes, checked against a model of the kernel's rule
// (mm/memcontrol-v1.c mem_cgroup_resize_max: each write must keep memory <= memory+swap,
// in whole pages): every planned write is one the kernel accepts, and the group ends as
// asked; what cannot be done is refused before anything is written.
#include <gtest/gtest.h>

#include "KernelLimits.h"
#include "V1MemoryWrites.h"

using namespace agent::cgroup;

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t Mi = 1 << 20;

// The kernel's side: applies writes one at a time and refuses one that breaks the rule.
struct ModelKernel {
  V1MemoryState state;
  std::vector<std::string> log;
  bool apply(const V1MemoryWrite& w) {
    Bound value = normalizeMemory(w.value, kPage);
    bool memsw = std::string(w.file) == kV1MemswLimitFile;
    Bound memory = memsw ? state.memory : value;
    Bound total = memsw ? value : *state.memoryAndSwap;
    log.push_back(std::string(w.file) + "=" + (value.isUnlimited() ? "max" : std::to_string(*value.value / Mi)));
    if (boundLess(total, memory)) return false;  // EINVAL
    (memsw ? *state.memoryAndSwap : state.memory) = value;
    return true;
  }
};

// Plans from `now`, applies to the model; returns the log, or "refused: ..." .
std::string run(V1MemoryState now, std::optional<Bound> memory, std::optional<Bound> memsw, V1MemoryState* end) {
  auto plan = planV1MemoryWrites(now, memory, memsw, kPage);
  if (!plan) return "refused: " + plan.error().action;
  ModelKernel kernel{now, {}};
  for (const auto& w : *plan) {
    if (!kernel.apply(w)) return "EINVAL at " + kernel.log.back();
  }
  if (end) *end = kernel.state;
  std::string out;
  for (const auto& line : kernel.log) out += (out.empty() ? "" : " ") + line;
  return out;
}

}  // namespace

TEST(V1MemoryWrites, RaisingBothWritesMemswFirst) {
  V1MemoryState end;
  EXPECT_EQ(run({Bound::of(512 * Mi), Bound::of(768 * Mi)}, Bound::of(1024 * Mi), Bound::of(1536 * Mi), &end),
            "memory.memsw.limit_in_bytes=1536 memory.limit_in_bytes=1024");
  EXPECT_EQ(end.memory, Bound::of(1024 * Mi));
  EXPECT_EQ(end.memoryAndSwap, Bound::of(1536 * Mi));
}

TEST(V1MemoryWrites, LoweringBothWritesMemoryFirst) {
  EXPECT_EQ(run({Bound::of(1024 * Mi), Bound::of(1536 * Mi)}, Bound::of(256 * Mi), Bound::of(512 * Mi), nullptr),
            "memory.limit_in_bytes=256 memory.memsw.limit_in_bytes=512");
}

TEST(V1MemoryWrites, MemoryMaxLiftsMemswToo) {
  V1MemoryState end;
  // docker run --memory 512m --memory-swap 768m, then `limit --memory max`: the kernel
  // refused -1 for memory alone ("Invalid argument").
  EXPECT_EQ(run({Bound::of(512 * Mi), Bound::of(768 * Mi)}, Bound::unlimited(), std::nullopt, &end),
            "memory.memsw.limit_in_bytes=max memory.limit_in_bytes=max");
  EXPECT_TRUE(end.memory.isUnlimited());
  EXPECT_TRUE(end.memoryAndSwap->isUnlimited());
}

TEST(V1MemoryWrites, MemoryAboveAFiniteMemswIsRefusedNamingIt) {
  auto plan = planV1MemoryWrites({Bound::of(512 * Mi), Bound::of(768 * Mi)}, Bound::of(1024 * Mi), std::nullopt, kPage);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().errnum, EINVAL);
  EXPECT_EQ(plan.error().path, kV1MemswLimitFile);
  EXPECT_NE(plan.error().action.find("above memory.memsw.limit_in_bytes 805306368"), std::string::npos)
      << plan.error().action;
}

TEST(V1MemoryWrites, MemoryWithinMemswOrWithoutSwapAccountingIsOneWrite) {
  EXPECT_EQ(run({Bound::of(512 * Mi), Bound::of(768 * Mi)}, Bound::of(640 * Mi), std::nullopt, nullptr),
            "memory.limit_in_bytes=640");
  EXPECT_EQ(run({Bound::of(512 * Mi), Bound::unlimited()}, Bound::of(2048 * Mi), std::nullopt, nullptr),
            "memory.limit_in_bytes=2048");
  // No memsw files (swapaccount=0): memory alone, any value.
  auto plan = planV1MemoryWrites({Bound::of(512 * Mi), std::nullopt}, Bound::unlimited(), std::nullopt, kPage);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_STREQ((*plan)[0].file, kV1MemoryLimitFile);
  auto swap = planV1MemoryWrites({Bound::of(512 * Mi), std::nullopt}, std::nullopt, Bound::of(1024 * Mi), kPage);
  ASSERT_FALSE(swap);
  EXPECT_EQ(swap.error().errnum, EOPNOTSUPP);
}

TEST(V1MemoryWrites, ComparesInPagesAndWritesNothingAlreadyHeld) {
  // memsw holds 768Mi; memory 768Mi + 100 bytes is 768Mi in pages: allowed, and held already.
  auto plan =
      planV1MemoryWrites({Bound::of(768 * Mi), Bound::of(768 * Mi)}, Bound::of(768 * Mi + 100), std::nullopt, kPage);
  ASSERT_TRUE(plan) << plan.error().action;
  EXPECT_TRUE(plan->empty());
}

// Every combination of a few values from every state: a plan is either refused up front or
// never trips the kernel's rule, and ends where asked.
TEST(V1MemoryWrites, EveryPlanIsValidStepByStep) {
  std::vector<Bound> values{Bound::of(256 * Mi), Bound::of(512 * Mi), Bound::of(768 * Mi), Bound::of(1024 * Mi),
                            Bound::unlimited()};
  for (const auto& mem : values)
    for (const auto& memsw : values) {
      if (boundLess(memsw, mem)) continue;  // not a state the kernel allows
      for (const auto& wantMem : values)
        for (const auto& wantMemsw : values) {
          V1MemoryState end;
          std::string log = run({mem, memsw}, wantMem, wantMemsw, &end);
          if (boundLess(wantMemsw, wantMem)) {
            EXPECT_EQ(log.rfind("refused", 0), 0u) << log;
            continue;
          }
          EXPECT_EQ(log.find("EINVAL"), std::string::npos) << log;
          EXPECT_EQ(end.memory, wantMem) << log;
          EXPECT_EQ(end.memoryAndSwap, wantMemsw) << log;
        }
    }
}
