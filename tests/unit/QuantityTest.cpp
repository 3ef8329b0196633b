#include <gtest/gtest.h>

#include "Quantity.h"

using namespace agent::policies;
using agent::cgroup::Bound;
using agent::cgroup::CpuQuota;

TEST(Quantity, CpuForms) {
  EXPECT_EQ(*parseCpu("50%", 2), (CpuQuota{Bound::of(50000), 100000}));
  EXPECT_EQ(*parseCpu("150%", 2), (CpuQuota{Bound::of(150000), 100000}));
  EXPECT_EQ(*parseCpu("0.5", 2), (CpuQuota{Bound::of(50000), 100000}));  // docker --cpus 0.5
  EXPECT_EQ(*parseCpu("2", 2), (CpuQuota{Bound::of(200000), 100000}));
  EXPECT_EQ(*parseCpu("500m", 2), (CpuQuota{Bound::of(50000), 100000}));
  EXPECT_TRUE(parseCpu("max", 2)->quotaUs.isUnlimited());
  EXPECT_TRUE(parseCpu("unlimited", 2)->quotaUs.isUnlimited());
}

TEST(Quantity, CpuRefusals) {
  for (const char* bad : {"0%", "-50%", "250%", "3", "50 %", "abc", "", "%", "1.2.3", "0.0001"}) {
    auto r = parseCpu(bad, 2);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().message().rfind(std::string("cpu quantity \"") + bad + "\" ", 0), 0u) << r.error().message();
    }
  }
  EXPECT_EQ(parseCpu("250%", 2).error().message(),
            "cpu quantity \"250%\" is more than this host's 2 CPUs; use at most 200%, or max for no limit");
}

// A refusal is one sentence: what was wrong, why, what to give instead; no errno text. It
// read "use cpu quantity `0%` (must be more than 0): Invalid argument".
TEST(Quantity, RefusalsReadAsOneSentence) {
  EXPECT_EQ(parseCpu("0%", 2).error().message(), "cpu quantity \"0%\" must be more than 0; use e.g. 50% or 0.5");
  EXPECT_EQ(parseCpu("abc", 2).error().message(),
            "cpu quantity \"abc\" is not an amount of CPU; use e.g. 50% (half of one CPU), 0.5 (CPUs) or 500m "
            "(milli-CPUs)");
  EXPECT_EQ(parseMemory("256MB").error().message(),
            "memory quantity \"256MB\" has an unknown unit; use k, m, g, t or Ki, Mi, Gi, Ti (all powers of 1024)");
  EXPECT_EQ(parsePids("0").error().message(),
            "pids quantity \"0\" must be at least 1; use e.g. 100, or max for no limit");
  // What was sent is shown escaped and cut: the sentence stays one line.
  EXPECT_EQ(parsePids("1\n2\"").error().message(),
            "pids quantity \"1\\n2\\\"\" is not a whole number of tasks; use e.g. 100, or max for no limit");
  EXPECT_NE(parseMemory(std::string(1000, '9') + "x").error().message().find("99...\" is too large"),
            std::string::npos);
  for (auto error : {parseCpu("0%", 2).error(), parseMemory("1.5g").error(), parsePids("x").error()}) {
    EXPECT_EQ(error.message().find("Invalid argument"), std::string::npos) << error.message();
    EXPECT_EQ(error.errnum, EINVAL) << "still a 400 for the API";
  }
}

TEST(Quantity, MemoryForms) {
  EXPECT_EQ(*parseMemory("268435456"), Bound::of(268435456));
  EXPECT_EQ(*parseMemory("256m"), Bound::of(256ull << 20));
  EXPECT_EQ(*parseMemory("256M"), Bound::of(256ull << 20));
  EXPECT_EQ(*parseMemory("256Mi"), Bound::of(256ull << 20));
  EXPECT_EQ(*parseMemory("1g"), Bound::of(1ull << 30));
  EXPECT_EQ(*parseMemory("1Ti"), Bound::of(1ull << 40));
  EXPECT_EQ(*parseMemory("8192k"), Bound::of(8ull << 20));
  EXPECT_TRUE(parseMemory("max")->isUnlimited());
}

TEST(Quantity, MemoryRefusals) {
  for (const char* bad : {"5Mi", "1.5g", "256MB", "256x", "-1", "", "99999999999999999999", "20000000Ti"}) {
    EXPECT_FALSE(parseMemory(bad)) << bad;
  }
  EXPECT_EQ(parseMemory("1.5g").error().message(),
            "memory quantity \"1.5g\" has a fraction; use a whole number of a smaller unit, e.g. 1536Mi");
  EXPECT_NE(parseMemory("5Mi").error().message().find("minimum of 6Mi"), std::string::npos);
}

TEST(Quantity, Pids) {
  EXPECT_EQ(*parsePids("100"), Bound::of(100));
  EXPECT_TRUE(parsePids("max")->isUnlimited());
  for (const char* bad : {"0", "-1", "10.5", "ten", ""}) EXPECT_FALSE(parsePids(bad)) << bad;
}

TEST(Quantity, CanonicalReadBack) {
  EXPECT_EQ(formatCpu(*parseCpu("0.5", 2)), "50%");
  EXPECT_EQ(formatCpu(*parseCpu("500m", 2)), "50%");
  EXPECT_EQ(formatCpu(*parseCpu("max", 2)), "max");
  EXPECT_EQ(formatCpu(CpuQuota{Bound::of(12345), 100000}), "12.345%");  // reads back to the same quota
  EXPECT_EQ(formatMemory(*parseMemory("268435456")), "256Mi");
  EXPECT_EQ(formatMemory(*parseMemory("1g")), "1Gi");
  EXPECT_EQ(formatMemory(Bound::of(1536ull << 10)), "1536Ki");
  EXPECT_EQ(formatMemory(Bound::of(7000001)), "7000001");
  EXPECT_EQ(formatPids(*parsePids("100")), "100");
}

// `pids: 4194305` passed validation and then failed at every reconcile pass: now it is
// refused where it is written, with what the kernel takes.
TEST(Quantity, RefusesWhatTheKernelWouldAndAcceptsWhatItRounds) {
  EXPECT_EQ(*parsePids("4194304"), Bound::of(4194304));
  auto pids = parsePids("4194305");
  ASSERT_FALSE(pids);
  EXPECT_NE(pids.error().message().find("above the kernel's maximum of 4194304 tasks"), std::string::npos)
      << pids.error().message();
  auto cpu = parseCpu("0.9%", 2);
  ASSERT_FALSE(cpu);
  EXPECT_NE(cpu.error().message().find("minimum of 1%"), std::string::npos);
  // Memory the kernel rounds is accepted: the enforcer compares in the kernel's form.
  EXPECT_EQ(*parseMemory("100000001"), Bound::of(100000001));
  EXPECT_EQ(*parseMemory("8388608Ti"), Bound::of(8388608ull << 40));
}
