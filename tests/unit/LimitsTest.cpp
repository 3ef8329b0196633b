#include <gtest/gtest.h>

#include "Limits.h"

using namespace agent::cgroup;

TEST(Limits, CpusToQuota) {
  EXPECT_EQ(CpuQuota::fromCpus(0.5), (CpuQuota{Bound::of(50000), 100000}));  // docker --cpus 0.5
  EXPECT_EQ(CpuQuota::fromCpus(1.5), (CpuQuota{Bound::of(150000), 100000}));
  EXPECT_EQ(CpuQuota::fromCpus(0.25).cpus(), 0.25);
  EXPECT_FALSE((CpuQuota{Bound::unlimited(), 100000}).cpus());
}

TEST(Limits, SharesToWeightHitsTheThreeAnchors) {
  EXPECT_EQ(sharesToWeight(2), 1u);
  EXPECT_EQ(sharesToWeight(1024), 100u);  // both defaults; the old linear formula gave 39
  EXPECT_EQ(sharesToWeight(262144), 10000u);
  EXPECT_EQ(sharesToWeight(0), 0u);
  EXPECT_EQ(sharesToWeight(1), 1u);
  EXPECT_EQ(sharesToWeight(1000000), 10000u);
}

TEST(Limits, SharesToWeightIsMonotonic) {
  uint64_t previous = 0;
  for (uint64_t shares = 2; shares <= 262144; shares = shares * 3 / 2 + 1) {
    uint64_t weight = sharesToWeight(shares);
    EXPECT_GE(weight, previous) << shares;
    EXPECT_GE(weight, kMinCpuWeight);
    EXPECT_LE(weight, kMaxCpuWeight);
    previous = weight;
  }
  // Values between the anchors, computed independently (ceil(10^((l^2+125l)/612-7/34)), l=log2 shares).
  EXPECT_EQ(sharesToWeight(512), 59u);
  EXPECT_EQ(sharesToWeight(2048), 174u);
}

TEST(Limits, WeightToSharesInvertsAtAnchorsAndRoundTripsClosely) {
  EXPECT_EQ(weightToShares(100), 1024u);
  EXPECT_EQ(weightToShares(1), 2u);
  EXPECT_EQ(weightToShares(10000), 262144u);
  for (uint64_t shares : {64u, 256u, 512u, 2048u, 4096u, 65536u}) {
    uint64_t back = weightToShares(sharesToWeight(shares));
    EXPECT_NEAR(static_cast<double>(back), static_cast<double>(shares), shares * 0.05) << shares;
  }
}
