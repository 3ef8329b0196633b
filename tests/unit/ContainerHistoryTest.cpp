// The web view's sample ring: CPU % from the counter's change between samples, memory and
// pids as sampled, 600 samples kept in order across the wrap, a forced snapshot too soon after
// the last one skipped, and a container that left losing its ring.
#include "ContainerHistory.h"

#include <gtest/gtest.h>

#include <cmath>

namespace agent {
namespace {

const std::string kPath = "/agent/" + std::string(32, 'a');

collectors::Snapshot snapshotAt(int64_t unixMs, uint64_t cpuNs, uint64_t memoryBytes, uint64_t pids) {
  collectors::Snapshot snapshot;
  snapshot.takenAtUnixMs = unixMs;
  collectors::CgroupSample root;
  root.path = "/";
  root.classification.runtime = collectors::Runtime::Root;
  snapshot.cgroups.push_back(root);
  collectors::CgroupSample s;
  s.path = kPath;
  s.classification = {collectors::Runtime::Agent, std::string(32, 'a'), "aaaaaaaaaaaa"};
  s.stats.cpu.usageNs = cpuNs;
  s.stats.memory.usageBytes = memoryBytes + 4096;
  s.stats.memory.workingSetBytes = memoryBytes;
  s.stats.pids.current = pids;
  snapshot.cgroups.push_back(s);
  return snapshot;
}

TEST(ContainerHistory, CpuPercentIsTheCountersChangeOverTheTimeBetweenSamples) {
  ContainerHistory history;
  ASSERT_TRUE(history.record(snapshotAt(10'000, 1'000'000'000, 8 << 20, 3)));
  ASSERT_TRUE(history.record(snapshotAt(12'000, 2'000'000'000, 9 << 20, 4)));  // 1 s of CPU in 2 s
  auto series = history.of(kPath);
  ASSERT_TRUE(series);
  ASSERT_EQ(series->points.size(), 2u);
  EXPECT_EQ(series->atUnixMs, (std::vector<int64_t>{10'000, 12'000}));
  EXPECT_TRUE(std::isnan(series->points[0].cpuPercent));  // a rate needs two samples
  EXPECT_FLOAT_EQ(series->points[1].cpuPercent, 50.0f);
  EXPECT_FLOAT_EQ(series->points[1].memoryBytes, 9 << 20);  // the working set, not usage
  EXPECT_FLOAT_EQ(series->points[1].pids, 4.0f);
  EXPECT_EQ(history.containers(), 1u);  // "/" is not a container
}

TEST(ContainerHistory, ASnapshotTooSoonAfterTheLastIsSkipped) {
  ContainerHistory history(std::chrono::milliseconds(900));
  ASSERT_TRUE(history.record(snapshotAt(10'000, 0, 1, 1)));
  EXPECT_FALSE(history.record(snapshotAt(10'300, 0, 1, 1)));  // a scrape's forced collection
  EXPECT_FALSE(history.record(snapshotAt(9'000, 0, 1, 1)));   // the clock went back
  EXPECT_TRUE(history.record(snapshotAt(11'000, 0, 1, 1)));
  EXPECT_EQ(history.of(kPath)->points.size(), 2u);
}

TEST(ContainerHistory, KeepsTheLast600SamplesInOrderAcrossTheWrap) {
  ContainerHistory history;
  for (int i = 0; i < 750; ++i) ASSERT_TRUE(history.record(snapshotAt(1000 * i, 0, 1, static_cast<uint64_t>(i))));
  auto series = history.of(kPath);
  ASSERT_TRUE(series);
  ASSERT_EQ(series->points.size(), ContainerHistory::kSamples);
  for (size_t k = 0; k < series->points.size(); ++k) {
    ASSERT_FLOAT_EQ(series->points[k].pids, 150.0f + k) << k;
    ASSERT_EQ(series->atUnixMs[k], 1000 * (150 + static_cast<int64_t>(k))) << k;
  }
  // The last 10 minutes only: from 600 s before the last sample.
  auto recent = history.of(kPath, 749'000 - 60'000);
  ASSERT_TRUE(recent);
  EXPECT_EQ(recent->points.size(), 61u);
  EXPECT_FLOAT_EQ(recent->points.front().pids, 689.0f);
  // 12 bytes a sample, never more than the ring's 600 (the vector grows to exactly that).
  EXPECT_EQ(history.sampleBytes(), 600 * sizeof(int64_t) + 600 * sizeof(ContainerHistory::Point));
}

TEST(ContainerHistory, AContainerThatLeftLosesItsRingAndStartsAfreshWhenBack) {
  ContainerHistory history;
  ASSERT_TRUE(history.record(snapshotAt(1000, 0, 1, 1)));
  ASSERT_TRUE(history.record(snapshotAt(2000, 0, 1, 2)));
  collectors::Snapshot empty;
  empty.takenAtUnixMs = 3000;
  ASSERT_TRUE(history.record(empty));
  EXPECT_FALSE(history.of(kPath));
  EXPECT_EQ(history.containers(), 0u);
  ASSERT_TRUE(history.record(snapshotAt(4000, 0, 1, 7)));
  auto series = history.of(kPath);
  ASSERT_TRUE(series);
  ASSERT_EQ(series->points.size(), 1u);
  EXPECT_FLOAT_EQ(series->points[0].pids, 7.0f);
  EXPECT_EQ(series->atUnixMs[0], 4000);
}

TEST(ContainerHistory, ACounterThatWentBackGivesNoRate) {
  ContainerHistory history;
  ASSERT_TRUE(history.record(snapshotAt(1000, 5'000'000'000, 1, 1)));
  ASSERT_TRUE(history.record(snapshotAt(2000, 1'000, 1, 1)));  // a new cgroup under the same path
  EXPECT_TRUE(std::isnan(history.of(kPath)->points[1].cpuPercent));
}

}  // namespace
}  // namespace agent
