// What container_fs_usage_bytes costs (docs/performance.md, "Writable layers"):
//   1. one walk of a writable layer of 10,000 files (100 directories of 100 files of 1 KiB),
//      wall and CPU time, median of 20 walks with the inodes cached (as they are for a layer
//      walked every minute);
//   2. the collection cycle over CONTAINERS agent-style container cgroups (one sleeping
//      process each, under a test parent `agent-test-<pid>-<random>`) whose layers hold
//      FILES files each, without and with the layer sampler: the collection thread's CPU per
//      cycle (median of 30), and the sampler thread's CPU per round of walks.
// Usage: layer_usage_bench [CONTAINERS] [FILES]   (root; defaults 20 and 1000)
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "BenchSupport.h"
#include "Cgroup.h"
#include "Collector.h"
#include "DirectoryUsage.h"
#include "LayerUsageSampler.h"

using namespace agent;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr int kWalks = 20;
constexpr int kCycles = 30;

double threadCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double processCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// `files` files of 1 KiB in directories of 100.
void makeLayer(const fs::path& dir, int files) {
  std::string block(1024, 'x');
  for (int i = 0; i < files; ++i) {
    fs::path sub = dir / ("d" + std::to_string(i / 100));
    if (i % 100 == 0) fs::create_directories(sub);
    std::ofstream(sub / ("f" + std::to_string(i % 100))) << block;
  }
}

struct Cleanup {
  const cgroup::Hierarchy& hierarchy;
  std::string parent;
  std::vector<pid_t> sleepers;
  fs::path dir;
  ~Cleanup() {
    for (pid_t pid : sleepers) ::kill(pid, SIGKILL);
    for (pid_t pid : sleepers) ::waitpid(pid, nullptr, 0);
    if (auto group = cgroup::Cgroup::open(hierarchy, parent, cgroup::containerControllers())) {
      (void)group->killAll();
      if (auto r = group->remove(std::chrono::seconds(20)); !r)
        std::fprintf(stderr, "cleanup: %s\n", r.error().message().c_str());
    }
    std::error_code ignored;
    if (!dir.empty()) fs::remove_all(dir, ignored);
  }
};

}  // namespace

int main(int argc, char** argv) {
  int containers = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  int files = argc > 2 ? std::max(1, std::atoi(argv[2])) : 1000;
  if (::geteuid() != 0) {
    std::fprintf(stderr, "layer_usage_bench: needs root (it creates cgroups)\n");
    std::fprintf(stderr, "usage: layer_usage_bench [CONTAINERS] [FILES]   (default 20 1000)\n");
    return 1;
  }
  auto hierarchy = cgroup::Hierarchy::detect();
  if (!hierarchy) {
    std::fprintf(stderr, "layer_usage_bench: %s\n", hierarchy.error().message().c_str());
    return 1;
  }
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
  Cleanup cleanup{*hierarchy, "/agent-test-" + std::to_string(::getpid()) + "-" + suffix, {}, {}};
  cleanup.dir = fs::temp_directory_path() / ("agent-test-layers-" + std::string(suffix));

  // 1. One walk of 10,000 files.
  fs::path big = cleanup.dir / "big";
  makeLayer(big, 10000);
  std::vector<double> walls, cpus;
  uint64_t inodes = 0;
  for (int i = 0; i <= kWalks; ++i) {
    auto started = std::chrono::steady_clock::now();
    double cpu0 = threadCpuSeconds();
    auto fd = openDirectoryNoFollow(big);
    auto usage = fd ? measureDirectoryUsage(fd->get(), big) : tl::unexpected(fd.error());
    if (!usage) {
      std::fprintf(stderr, "layer_usage_bench: %s\n", usage.error().message().c_str());
      return 1;
    }
    inodes = usage->inodes;
    if (i == 0) continue;  // the first one fills the inode cache
    cpus.push_back(threadCpuSeconds() - cpu0);
    walls.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  std::printf("walk of a layer of %llu inodes: %.2f ms wall, %.2f ms CPU (median of %d)\n",
              static_cast<unsigned long long>(inodes), bench::percentile(walls, 0.5) * 1e3,
              bench::percentile(cpus, 0.5) * 1e3, kWalks);

  // 2. The collection cycle over `containers` containers, without and with the sampler.
  std::string agentParent = cleanup.parent + "/agent";
  auto controllers = hierarchy->available(cgroup::containerControllers());
  auto known = std::make_shared<collectors::AgentContainers>();
  for (int i = 0; i < containers; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "%032x", i + 1);
    auto group = cgroup::Cgroup::create(*hierarchy, agentParent + "/" + id, controllers);
    if (!group) {
      std::fprintf(stderr, "layer_usage_bench: %s\n", group.error().message().c_str());
      return 1;
    }
    pid_t pid = ::fork();
    if (pid == 0) {
      ::pause();
      ::_exit(0);
    }
    cleanup.sleepers.push_back(pid);
    (void)group->attach(pid);
    fs::path upper = cleanup.dir / id / "upper";
    makeLayer(upper, files);
    (*known)[id] = {.name = std::string("c") + std::to_string(i),
                    .state = "running",
                    .cgroupPath = agentParent + "/" + id,
                    .upperDir = upper.string()};
  }
  collectors::CollectorConfig config;
  config.agentParent = agentParent;
  auto cycles = [&](collectors::LayerUsageSampler* sampler, size_t* withUsage) {
    collectors::Collector collector(*hierarchy, config);
    (void)collector.collect(*known);
    std::vector<double> costs;
    for (int i = 0; i < kCycles; ++i) {
      std::this_thread::sleep_for(100ms);
      double start = threadCpuSeconds();
      auto snapshot = collector.collect(*known);
      snapshot->agentContainers = known;
      if (sampler) sampler->update(*snapshot);
      costs.push_back(threadCpuSeconds() - start);
      size_t n = 0;
      for (const auto& s : snapshot->cgroups) n += s.writableLayer ? 1 : 0;
      if (withUsage) *withUsage = n;
    }
    return bench::percentile(costs, 0.5);
  };
  double without = cycles(nullptr, nullptr);
  // An interval of 1 s: the sampler walks every layer about 3 times during the 30 cycles.
  size_t measured = 0;
  double processBefore = processCpuSeconds(), mainBefore = threadCpuSeconds();
  auto roundStarted = std::chrono::steady_clock::now();
  double with = 0;
  {
    collectors::LayerUsageSampler sampler(1000ms);
    with = cycles(&sampler, &measured);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - roundStarted).count();
  double samplerCpu = (processCpuSeconds() - processBefore) - (threadCpuSeconds() - mainBefore);
  double rounds = seconds / 1.0 + 1;  // at once, then every second
  std::printf(
      "collection cycle, %d containers: %.3f ms CPU without fs usage, %.3f ms with (median of %d; %zu "
      "samples carry a layer's usage)\n",
      containers, without * 1e3, with * 1e3, kCycles, measured);
  std::printf(
      "sampler thread: %.2f ms CPU per round of %d layers of %d files (%.1f rounds); at the default "
      "fs_usage_interval of 60 s that is %.3f ms per second\n",
      samplerCpu / rounds * 1e3, containers, files, rounds, samplerCpu / rounds / 60 * 1e3);
  return 0;
}
