// What the kernel makes of a limit (runtime/cgroup/KernelLimits.h), with the values this
// host's kernel (6.18, 4 KiB pages) showed for each write.
#include <gtest/gtest.h>

#include "KernelLimits.h"

using namespace agent::cgroup;

TEST(KernelLimits, MemoryIsRoundedDownToAPage) {
  // echo 100000001 > memory.limit_in_bytes; cat -> 99999744
  EXPECT_EQ(normalizeMemory(Bound::of(100000001), 4096), Bound::of(99999744));
  EXPECT_EQ(normalizeMemory(Bound::of(1000000000), 4096), Bound::of(999997440));
  EXPECT_EQ(normalizeMemory(Bound::of(256ull << 20), 4096), Bound::of(256ull << 20));
  EXPECT_EQ(normalizeMemory(Bound::of(100000001), 16384), Bound::of(99991552));
  EXPECT_EQ(normalizeMemory(Bound::of(100000001), 65536), Bound::of(99942400));
  EXPECT_EQ(normalizeMemory(Bound::unlimited(), 4096), Bound::unlimited());
}

TEST(KernelLimits, MemoryAtOrAboveTheCapIsNoLimit) {
  EXPECT_EQ(memoryUnlimitedBytes(4096), 9223372036854771712ull);  // what v1 shows for -1 here
  EXPECT_EQ(memoryUnlimitedBytes(16384), 9223372036854759424ull);
  EXPECT_EQ(memoryUnlimitedBytes(65536), 9223372036854710272ull);
  // 8000000Ti and 8388607Ti are kept as they are (page multiples below the cap).
  EXPECT_EQ(normalizeMemory(Bound::of(8000000ull << 40), 4096), Bound::of(8796093022208000000ull));
  EXPECT_EQ(normalizeMemory(Bound::of(8388607ull << 40), 4096), Bound::of(9223370937343148032ull));
  // LONG_MAX and above: the kernel caps the page count at PAGE_COUNTER_MAX, i.e. no limit.
  EXPECT_EQ(normalizeMemory(Bound::of(9223372036854775807ull), 4096), Bound::unlimited());
  EXPECT_EQ(normalizeMemory(Bound::of(8388608ull << 40), 4096), Bound::unlimited());
  EXPECT_EQ(normalizeMemory(Bound::of(UINT64_MAX), 4096), Bound::unlimited());
  EXPECT_EQ(normalizeMemory(Bound::of(9223372036854771712ull), 4096), Bound::unlimited());
  EXPECT_EQ(normalizeMemory(Bound::of(9223372036854767616ull), 4096), Bound::of(9223372036854767616ull));
  EXPECT_EQ(memoryLimitFromBytes(9223372036854771712ull, 4096), Bound::unlimited());
  EXPECT_EQ(memoryLimitFromBytes(9223370937343148032ull, 4096), Bound::of(9223370937343148032ull));
}

TEST(KernelLimits, CfsBandwidthBounds) {
  EXPECT_TRUE(normalizeCpuQuota({Bound::of(1000), 100000}));
  EXPECT_TRUE(normalizeCpuQuota({Bound::unlimited(), 100000}));
  EXPECT_TRUE(normalizeCpuQuota({Bound::of(50000), 1000}));
  EXPECT_TRUE(normalizeCpuQuota({Bound::of(50000), 1000000}));
  auto low = normalizeCpuQuota({Bound::of(999), 100000});
  ASSERT_FALSE(low);
  EXPECT_NE(low.error().action.find("below the kernel's minimum of 1000 us"), std::string::npos);
  EXPECT_FALSE(normalizeCpuQuota({Bound::of(50000), 999}));
  EXPECT_FALSE(normalizeCpuQuota({Bound::of(50000), 1000001}));
  EXPECT_FALSE(normalizeCpuQuota({Bound::unlimited(), 1000001}));
  EXPECT_TRUE(normalizeCpuQuota({Bound::of(kMaxCfsQuotaUs), 100000}));
  EXPECT_FALSE(normalizeCpuQuota({Bound::of(kMaxCfsQuotaUs + 1), 100000}));
}

TEST(KernelLimits, SharesAreClampedWeightsRefused) {
  // echo 1 > cpu.shares; cat -> 2. echo 999999 -> 262144.
  EXPECT_EQ(normalizeCpuShares(1), 2u);
  EXPECT_EQ(normalizeCpuShares(0), 2u);
  EXPECT_EQ(normalizeCpuShares(1024), 1024u);
  EXPECT_EQ(normalizeCpuShares(999999), 262144u);
  EXPECT_EQ(*normalizeCpuWeight(1), 1u);
  EXPECT_EQ(*normalizeCpuWeight(10000), 10000u);
  EXPECT_FALSE(normalizeCpuWeight(0));
  EXPECT_FALSE(normalizeCpuWeight(10001));
}

TEST(KernelLimits, PidsUpToPidMaxLimit) {
  EXPECT_EQ(*normalizePids(Bound::of(4194304)), Bound::of(4194304));
  EXPECT_EQ(*normalizePids(Bound::unlimited()), Bound::unlimited());
  auto above = normalizePids(Bound::of(4194305));
  ASSERT_FALSE(above);
  EXPECT_NE(above.error().action.find("PID_MAX_LIMIT"), std::string::npos);
}
