// The snapshot `agentctl stats` compares the latest with: the newest one taken at least the
// rate window before it, so a snapshot forced by a scrape right after the collector's own
// never makes a CPU % over a few milliseconds; and only what may still be needed is kept.
#include "LatestSnapshot.h"

#include <gtest/gtest.h>

namespace agent {
namespace {

using namespace std::chrono_literals;

collectors::SnapshotPtr takenAt(int64_t unixMs) {
  auto s = std::make_shared<collectors::Snapshot>();
  s->takenAtUnixMs = unixMs;
  return s;
}

TEST(LatestSnapshot, NoPreviousUntilOneIsAWindowOlder) {
  LatestSnapshot snapshots(500ms);
  EXPECT_FALSE(snapshots.withPrevious().latest);
  snapshots.publish(takenAt(10'000));
  EXPECT_EQ(snapshots.withPrevious().latest->takenAtUnixMs, 10'000);
  EXPECT_FALSE(snapshots.withPrevious().previous);
  snapshots.publish(takenAt(10'100));  // a scrape's refresh: too close for a rate
  EXPECT_EQ(snapshots.latest()->takenAtUnixMs, 10'100);
  EXPECT_FALSE(snapshots.withPrevious().previous);
  snapshots.publish(takenAt(11'000));
  auto pair = snapshots.withPrevious();
  EXPECT_EQ(pair.latest->takenAtUnixMs, 11'000);
  EXPECT_EQ(pair.previous->takenAtUnixMs, 10'100);
}

TEST(LatestSnapshot, ASnapshotForcedJustAfterTheCollectorsKeepsTheOlderBase) {
  LatestSnapshot snapshots(500ms);
  snapshots.publish(takenAt(10'000));
  snapshots.publish(takenAt(11'000));
  snapshots.publish(takenAt(11'020));
  auto pair = snapshots.withPrevious();
  EXPECT_EQ(pair.latest->takenAtUnixMs, 11'020);
  EXPECT_EQ(pair.previous->takenAtUnixMs, 10'000);
}

TEST(LatestSnapshot, KeepsOnlyWhatARateMayNeed) {
  LatestSnapshot snapshots(500ms);
  std::weak_ptr<const collectors::Snapshot> first;
  {
    auto s = takenAt(10'000);
    first = s;
    snapshots.publish(std::move(s));
  }
  for (int64_t t = 11'000; t <= 20'000; t += 1000) snapshots.publish(takenAt(t));
  EXPECT_TRUE(first.expired());
  EXPECT_EQ(snapshots.withPrevious().previous->takenAtUnixMs, 19'000);
  // Forced every 10 ms for a long time: a base from within about a window and a quarter.
  for (int64_t t = 20'010; t < 30'000; t += 10) snapshots.publish(takenAt(t));
  auto pair = snapshots.withPrevious();
  ASSERT_TRUE(pair.previous);
  EXPECT_GE(pair.latest->takenAtUnixMs - pair.previous->takenAtUnixMs, 500);
  EXPECT_LE(pair.latest->takenAtUnixMs - pair.previous->takenAtUnixMs, 625);
}

}  // namespace
}  // namespace agent
