#include <gtest/gtest.h>

#include "ControlFileParsers.h"
#include "FixtureTree.h"

using namespace agent::cgroup;
using agent::fixture::capturedText;

TEST(ControlFileParsers, MaxOrNumber) {
  EXPECT_EQ(parseMaxOrNumber("max\n"), Bound::unlimited());
  EXPECT_EQ(parseMaxOrNumber("32\n"), Bound::of(32));
  EXPECT_FALSE(parseMaxOrNumber("-1"));
  EXPECT_FALSE(parseMaxOrNumber(""));
}

TEST(ControlFileParsers, V1ByteLimitTreatsPageRoundedMaxAsUnlimited) {
  EXPECT_EQ(parseV1ByteLimit(capturedText("v1/memory.memsw.limit_in_bytes"), 4096), Bound::unlimited());
  EXPECT_EQ(parseV1ByteLimit(capturedText("v1/memory.limit_in_bytes"), 4096), Bound::of(67108864));
  EXPECT_EQ(parseV1ByteLimit("-1", 4096), Bound::unlimited());
  EXPECT_FALSE(parseV1ByteLimit("lots", 4096));
}

// Huge limits are limits: what this kernel kept for `--memory 8000000Ti` and `8388607Ti`
// read back as themselves, not as "max" (the old 2^62 threshold made the reconciler write
// them again every pass); only the kernel's cap for the page size is no limit.
TEST(ControlFileParsers, V1ByteLimitBelowTheKernelCapIsALimit) {
  EXPECT_EQ(parseV1ByteLimit("8796093022208000000\n", 4096), Bound::of(8796093022208000000ull));
  EXPECT_EQ(parseV1ByteLimit("9223370937343148032\n", 4096), Bound::of(9223370937343148032ull));
  EXPECT_EQ(parseV1ByteLimit("9223372036854767616\n", 4096), Bound::of(9223372036854767616ull));  // one page below
  EXPECT_EQ(parseV1ByteLimit("9223372036854767616\n", 16384), Bound::unlimited());                // the 16 KiB cap
  EXPECT_EQ(parseV1ByteLimit("9223372036854759424\n", 16384), Bound::unlimited());
  EXPECT_EQ(parseV1ByteLimit("9223372036854710272\n", 65536), Bound::unlimited());
}

TEST(ControlFileParsers, CpuMaxAndCfsQuota) {
  EXPECT_EQ(parseCpuMax(capturedText("v2/cpu.max")), (CpuQuota{Bound::of(50000), 100000}));
  EXPECT_EQ(parseCpuMax("max 100000\n"), (CpuQuota{Bound::unlimited(), 100000}));
  EXPECT_FALSE(parseCpuMax("max"));
  EXPECT_EQ(parseV1CfsQuota(capturedText("v1/cpu.cfs_quota_us")), Bound::of(50000));
  EXPECT_EQ(parseV1CfsQuota("-1\n"), Bound::unlimited());
}

TEST(ControlFileParsers, CpuStatV1FromHost) {
  CpuStats cpu;
  parseCpuStatV1(capturedText("v1/cpu.stat"), cpu);
  parseCpuacctStat(capturedText("v1/cpuacct.stat"), cpu);
  EXPECT_EQ(cpu.periods, 4u);
  EXPECT_EQ(cpu.throttledPeriods, 3u);
  EXPECT_EQ(cpu.throttledNs, 149479223u);
  EXPECT_EQ(cpu.userNs, 17u * 10'000'000u);  // USER_HZ ticks
  EXPECT_EQ(cpu.systemNs, 0u);
  EXPECT_FALSE(cpu.usageNs);  // from cpuacct.usage, not these files
}

TEST(ControlFileParsers, CpuStatV2FromGuest) {
  CpuStats cpu;
  parseCpuStatV2(capturedText("v2/cpu.stat"), cpu);
  EXPECT_EQ(cpu.usageNs, 801995000u);
  EXPECT_EQ(cpu.userNs, 484722000u);
  EXPECT_EQ(cpu.systemNs, 317273000u);
  EXPECT_EQ(cpu.periods, 19u);
  EXPECT_EQ(cpu.throttledPeriods, 15u);
  EXPECT_EQ(cpu.throttledNs, 697330000u);
}

TEST(ControlFileParsers, MemoryV1FromHost) {
  MemoryStats memory;
  memory.usageBytes = 270336;
  parseMemoryStatV1(capturedText("v1/memory.stat"), memory);
  parseOomControl(capturedText("v1/memory.oom_control"), memory);
  deriveWorkingSet(memory);
  EXPECT_EQ(memory.cacheBytes, 28672u);
  EXPECT_EQ(memory.rssBytes, 0u);
  EXPECT_EQ(memory.swapBytes, 0u);
  EXPECT_EQ(memory.workingSetBytes, 270336u);
  EXPECT_EQ(memory.oomKills, 0u);
}

TEST(ControlFileParsers, MemoryV2FromGuest) {
  MemoryStats memory;
  memory.usageBytes = 21233664;
  parseMemoryStatV2(capturedText("v2/memory.stat"), memory);
  parseMemoryEvents(capturedText("v2/memory.events"), memory);
  deriveWorkingSet(memory);
  EXPECT_EQ(memory.rssBytes, 0u);
  EXPECT_EQ(memory.cacheBytes, 21061632u);
  EXPECT_EQ(memory.inactiveFileBytes, 4096u);
  EXPECT_EQ(memory.workingSetBytes, 21233664u - 4096u);
  EXPECT_EQ(memory.failcnt, 0u);
  EXPECT_EQ(memory.oomKills, 0u);
}

TEST(ControlFileParsers, WorkingSetFloorsAtZero) {
  MemoryStats memory;
  memory.usageBytes = 100;
  memory.inactiveFileBytes = 4096;
  deriveWorkingSet(memory);
  EXPECT_EQ(memory.workingSetBytes, 0u);
}

TEST(ControlFileParsers, UnknownKeysAndOddLinesAreIgnored) {
  MemoryStats memory;
  parseMemoryEvents("low 0\nhigh 3\nmax 7\noom 2\noom_kill 1\nsome_future_key 99\nnot a number\n\n", memory);
  EXPECT_EQ(memory.failcnt, 7u);
  EXPECT_EQ(memory.oomKills, 1u);
}

TEST(ControlFileParsers, BlkioV1MergesBytesAndOpsByDevice) {
  std::vector<IoDeviceStats> io;
  parseBlkioBytes(
      "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Discard 0\n8:0 Total 12288\n"
      "253:1 Read 1\n253:1 Write 2\nTotal 12291\n",
      io);
  parseBlkioOps("8:0 Read 1\n8:0 Write 2\n8:0 Total 3\nTotal 3\n", io);
  ASSERT_EQ(io.size(), 2u);
  EXPECT_EQ(io[0].major, 8u);
  EXPECT_EQ(io[0].readBytes, 4096u);
  EXPECT_EQ(io[0].writeBytes, 8192u);
  EXPECT_EQ(io[0].readOps, 1u);
  EXPECT_EQ(io[0].writeOps, 2u);
  EXPECT_EQ(io[1].minor, 1u);
  EXPECT_FALSE(io[1].readOps);
  std::vector<IoDeviceStats> empty;
  parseBlkioBytes(capturedText("v1/blkio.throttle.io_service_bytes_recursive"), empty);
  EXPECT_TRUE(empty.empty());
}

TEST(ControlFileParsers, IoStatV2) {
  std::vector<IoDeviceStats> io;
  parseIoStat(
      "8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n"
      "8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 dios=3021\n",
      io);
  ASSERT_EQ(io.size(), 2u);
  EXPECT_EQ(io[0].minor, 16u);
  EXPECT_EQ(io[0].readBytes, 1459200u);
  EXPECT_EQ(io[0].writeBytes, 314773504u);
  EXPECT_EQ(io[0].readOps, 192u);
  EXPECT_EQ(io[1].writeOps, 1252u);
}

// Kernels 5.15-5.17 (before "blk-cgroup: always terminate io.stat lines") named devices
// without stats on the line of the next device that had some: the pairs are the LAST one's.
TEST(ControlFileParsers, IoStatOfKernels515To517GivesThePairsToTheLastDeviceNamed) {
  std::vector<IoDeviceStats> io;
  parseIoStat("7:7 7:6 7:5 7:4 rbytes=28672 wbytes=0 rios=22 wios=0 dbytes=0 dios=0\n", io);
  ASSERT_EQ(io.size(), 1u) << "7:7, 7:6 and 7:5 had no stats";
  EXPECT_EQ(io[0].major, 7u);
  EXPECT_EQ(io[0].minor, 4u);
  EXPECT_EQ(io[0].readBytes, 28672u);
  EXPECT_EQ(io[0].writeBytes, 0u);
  EXPECT_EQ(io[0].readOps, 22u);
  EXPECT_EQ(io[0].writeOps, 0u);
}

TEST(ControlFileParsers, IoStatTakesAnyRunOfDeviceNamesLinesWithoutPairsUnknownKeysAndNoFinalNewline) {
  std::vector<IoDeviceStats> io;
  parseIoStat(
      // After the fix: a device without stats on a line of its own (name and a space).
      "7:1 \n"
      "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0 newkey=5\n"
      // Before it: several bare names, the stats of the last, then more bare names at the end
      // of the file, with no newline.
      "7:3 7:2 259:0 rbytes=7 wbytes=8 rios=9 wios=10 dbytes=0 dios=0\n"
      "\n"
      "garbage rbytes=1\n"
      "7:9 7:8",
      io);
  ASSERT_EQ(io.size(), 2u);
  EXPECT_EQ(io[0].major, 8u);
  EXPECT_EQ(io[0].readBytes, 100u);
  EXPECT_EQ(io[0].writeOps, 2u);
  EXPECT_EQ(io[1].major, 259u);
  EXPECT_EQ(io[1].minor, 0u);
  EXPECT_EQ(io[1].readBytes, 7u);
  EXPECT_EQ(io[1].writeBytes, 8u);
  EXPECT_EQ(io[1].readOps, 9u);
  EXPECT_EQ(io[1].writeOps, 10u);
  // The same device again later in the file (never seen, but not a reason to lose it).
  std::vector<IoDeviceStats> twice;
  parseIoStat("8:0 rbytes=1\n8:0 wbytes=2", twice);
  ASSERT_EQ(twice.size(), 1u);
  EXPECT_EQ(twice[0].readBytes, 1u);
  EXPECT_EQ(twice[0].writeBytes, 2u);
}

// v1's blkio files end every line (one per device and operation) and close with a device-less
// "Total": a device with nothing counted has no lines at all. No device shares a line.
TEST(ControlFileParsers, BlkioV1LinesWithoutAValueOrDeviceAndNoFinalNewline) {
  std::vector<IoDeviceStats> io;
  parseBlkioBytes("8:0 Read\n8:0 Write 5\nRead 3\n7:4 Read 6\nTotal 11", io);
  ASSERT_EQ(io.size(), 2u);
  EXPECT_FALSE(io[0].readBytes);
  EXPECT_EQ(io[0].writeBytes, 5u);
  EXPECT_EQ(io[1].minor, 4u);
  EXPECT_EQ(io[1].readBytes, 6u);
}

TEST(ControlFileParsers, Pressure) {
  auto cpu = parsePressure(capturedText("v2/cpu.pressure"));
  ASSERT_TRUE(cpu);
  EXPECT_EQ(cpu->someTotalUs, 451067u);
  EXPECT_EQ(cpu->fullTotalUs, 451067u);
  auto someOnly = parsePressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=12\n");
  ASSERT_TRUE(someOnly);
  EXPECT_EQ(someOnly->someTotalUs, 12u);
  EXPECT_FALSE(someOnly->fullTotalUs);
  EXPECT_FALSE(parsePressure(""));
}

TEST(ControlFileParsers, FreezerAndEvents) {
  EXPECT_EQ(parseV1FreezerState(capturedText("v1/freezer.state")), FreezerState::Thawed);
  EXPECT_EQ(parseV1FreezerState("FREEZING\n"), FreezerState::Freezing);
  EXPECT_EQ(parseV1FreezerState("FROZEN\n"), FreezerState::Frozen);
  EXPECT_FALSE(parseV1FreezerState("frozen"));
  auto events = parseCgroupEvents(capturedText("v2/cgroup.events"));
  EXPECT_EQ(events.populated, false);
  EXPECT_EQ(events.frozen, true);
  EXPECT_FALSE(parseCgroupEvents("populated 1\n").frozen);
}
