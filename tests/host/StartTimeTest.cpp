// container_start_time_seconds on this kernel: the start of the group's oldest process, not
// the cgroup directory's times (kernfs sets them when an inode is first looked up) and not
// the collector's start; the same for a collector started later (an agentd restart).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <thread>

#include "Collector.h"
#include "HostTestSupport.h"

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;

namespace {

double unixNow() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

const collectors::CgroupSample* find(const collectors::Snapshot& s, const std::string& path) {
  for (const auto& c : s.cgroups)
    if (c.path == path) return &c;
  return nullptr;
}

// What procps' ps says the process started at (`lstart`, whole seconds): an independent
// reading of the same kernel fields.
double psStart(pid_t pid) {
  std::string command = "LC_ALL=C TZ=UTC ps -o lstart= -p " + std::to_string(pid);
  FILE* pipe = ::popen(command.c_str(), "r");
  char line[128] = {};
  if (!std::fgets(line, sizeof line, pipe)) line[0] = 0;
  ::pclose(pipe);
  std::tm tm{};
  if (!::strptime(line, "%a %b %d %H:%M:%S %Y", &tm)) return -1;
  return static_cast<double>(::timegm(&tm));
}

}  // namespace

TEST(StartTime, IsTheOldestProcesssStartAndTheSameAfterARestart) {
  TestParent parent;
  double beforeFork = unixNow();
  ChildProcess child([] {
    ::pause();
    return 0;
  });
  double afterFork = unixNow();
  // The process is older than its group: the directory's times say nothing of its start.
  std::this_thread::sleep_for(1s);
  auto group = parent.child("service");
  ASSERT_TRUE(group.attach(child.pid()));
  child.release();
  std::this_thread::sleep_for(1s);

  collectors::CollectorConfig config;
  config.agentParent = parent.path() + "/agent";
  config.exportMode = collectors::ExportMode::All;
  std::string path = parent.path() + "/service";
  double collectedAt = unixNow();
  collectors::Collector first(HostEnvironment::hierarchy(), config);
  auto snapshot = first.collect({});
  const auto* sample = find(*snapshot, path);
  ASSERT_NE(sample, nullptr);
  double start = sample->startTimeSeconds;
  // btime is whole seconds: up to a second before the wall clock of the fork; a tick of
  // rounding either way.
  EXPECT_GE(start, beforeFork - 1.0 - 0.011) << "forked at " << beforeFork;
  EXPECT_LE(start, afterFork + 0.011) << "forked at " << afterFork << ", collected at " << collectedAt;
  EXPECT_LT(start, collectedAt - 1.5) << "not the collection's time";
  double ps = psStart(child.pid());
  ASSERT_GT(ps, 0);
  EXPECT_EQ(static_cast<int64_t>(start), static_cast<int64_t>(ps)) << "ps -o lstart says " << ps;

  // agentd restarted: a new collector, later, reads the same value.
  std::this_thread::sleep_for(1s);
  collectors::Collector second(HostEnvironment::hierarchy(), config);
  auto again = second.collect({});
  ASSERT_NE(find(*again, path), nullptr);
  EXPECT_EQ(find(*again, path)->startTimeSeconds, start);

  // A group without processes has no start time (left out, not guessed).
  auto empty = parent.child("empty");
  auto withEmpty = second.collect({});
  ASSERT_NE(find(*withEmpty, parent.path() + "/empty"), nullptr);
  EXPECT_EQ(find(*withEmpty, parent.path() + "/empty")->startTimeSeconds, 0);
}
