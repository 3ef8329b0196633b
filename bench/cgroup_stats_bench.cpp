// Side-by-side cost of reading the stats of 1000 cgroups: our layer against one refresh of
// `systemd-cgtop -b -n 1` over the same tree, both measured in CPU time in the same run.
// Needs root: it creates `agent-test-<pid>-<random>` with 1000 children and removes it.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "BenchSupport.h"
#include "Cgroup.h"

using namespace agent::cgroup;

namespace {

int kGroups = 1000;  // argv[1] overrides
const int kPasses = std::getenv("AGENT_BENCH_PASSES") ? std::atoi(std::getenv("AGENT_BENCH_PASSES")) : 15;
constexpr int kCgtopRuns = 7;

double processCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double median(std::vector<double> values) {
  return agent::bench::percentile(std::move(values), 0.5);
}

std::optional<double> cgtopCpuSeconds(const std::string& path) {
  return agent::bench::cgtopCpuSeconds(path, 2);
}

// The bench's own tree, removed on every exit path.
class BenchTree {
 public:
  explicit BenchTree(const Hierarchy& h) : hierarchy_(h) {
    std::random_device random;
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
    path_ = "/agent-test-" + std::to_string(::getpid()) + "-" + suffix;
  }
  ~BenchTree() {
    if (auto parent = Cgroup::open(hierarchy_, path_, controllers())) {
      if (auto r = parent->remove(std::chrono::seconds(10)); !r) {
        std::fprintf(stderr, "cleanup: %s\n", r.error().message().c_str());
      }
    }
  }
  static ControllerSet controllers() {
    return {Controller::Cpu, Controller::Cpuacct, Controller::Memory, Controller::Pids, Controller::Io};
  }
  const std::string& path() const { return path_; }

 private:
  const Hierarchy& hierarchy_;
  std::string path_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) kGroups = std::max(1, std::atoi(argv[1]));
  if (::geteuid() != 0) {
    std::fprintf(stderr, "cgroup_stats_bench: needs root (it creates %d real cgroups)\n", kGroups);
    std::fprintf(stderr, "usage: cgroup_stats_bench [GROUPS]   (default 1000)\n");
    return 1;
  }
  auto hierarchy = Hierarchy::detect();
  if (!hierarchy) {
    std::fprintf(stderr, "cgroup_stats_bench: %s\n", hierarchy.error().message().c_str());
    return 1;
  }
  if (unsigned long limit = agent::bench::raiseOpenFilesLimit(); limit < 65536) {
    std::fprintf(stderr, "note: RLIMIT_NOFILE stays at %lu here; groups beyond it are read without held files\n",
                 limit);
  }

  BenchTree tree(*hierarchy);
  auto parent = Cgroup::create(*hierarchy, tree.path(), BenchTree::controllers());
  if (!parent) {
    std::fprintf(stderr, "cgroup_stats_bench: %s\n", parent.error().message().c_str());
    return 1;
  }
  std::fprintf(stderr, "creating %d cgroups under %s ...\n", kGroups, tree.path().c_str());
  std::vector<std::string> paths;
  for (int i = 0; i < kGroups; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "/c%04d", i);
    paths.push_back(tree.path() + name);
    if (auto g = Cgroup::create(*hierarchy, paths.back(), BenchTree::controllers()); !g) {
      std::fprintf(stderr, "cgroup_stats_bench: %s\n", g.error().message().c_str());
      return 1;
    }
  }

  // Cold: open every group and read it once, as the first collection after start does.
  double t0 = processCpuSeconds();
  std::vector<Cgroup> groups;
  groups.reserve(kGroups);
  Stats stats;
  for (const auto& path : paths) {
    auto g = Cgroup::open(*hierarchy, path, BenchTree::controllers());
    if (!g || !g->readStats(stats)) {
      std::fprintf(stderr, "cgroup_stats_bench: cannot read %s\n", path.c_str());
      return 1;
    }
    groups.push_back(std::move(*g));
  }
  double cold = processCpuSeconds() - t0;

  // Steady state: directories open, every control file opened, read and closed each pass.
  std::vector<Stats> perGroup(kGroups);
  auto pass = [&]() -> std::optional<double> {
    double start = processCpuSeconds();
    for (int i = 0; i < kGroups; ++i) {
      if (auto r = groups[i].readStats(perGroup[i]); !r) {
        std::fprintf(stderr, "cgroup_stats_bench: %s\n", r.error().message().c_str());
        return std::nullopt;
      }
    }
    return processCpuSeconds() - start;
  };
  std::vector<double> oneShotPasses, heldPasses;
  for (int i = 0; i < kPasses; ++i) {
    auto seconds = pass();
    if (!seconds) return 1;
    oneShotPasses.push_back(*seconds);
  }
  // The same with control files held open and re-read with pread.
  for (auto& g : groups) g.keepControlFilesOpen();
  for (int i = 0; i < kPasses; ++i) {
    auto seconds = pass();
    if (!seconds) return 1;
    heldPasses.push_back(*seconds);
  }
  double oneShot = median(oneShotPasses);
  double held = median(heldPasses);
  double ours = std::min(oneShot, held);
  size_t filesPerGroup = groups.front().statsPlan().size();

  std::vector<double> cgtop;
  for (int run = 0; run < kCgtopRuns; ++run) {
    auto seconds = cgtopCpuSeconds(tree.path());
    if (!seconds) {
      std::fprintf(stderr,
                   "cgroup_stats_bench: systemd-cgtop failed (install systemd: scripts/install-deps.sh test)\n");
      return 1;
    }
    cgtop.push_back(*seconds);
  }
  double theirs = median(cgtop);

  double oursPerGroupUs = ours / kGroups * 1e6;
  double ratio = theirs / ours;
  std::printf(
      "cgroup stats read, %d cgroups (cpu, cpuacct, memory, pids, blkio), cgroup mode %s, %zu files per group\n",
      kGroups, std::string(modeName(hierarchy->mode())).c_str(), filesPerGroup);
  std::printf("  %-44s %10s %12s\n", "", "CPU/pass", "CPU/cgroup");
  std::printf("  %-44s %8.2f ms %9.2f us   (median of %d passes)\n", "agent Cgroup::readStats, open/read/close",
              oneShot * 1e3, oneShot / kGroups * 1e6, kPasses);
  std::printf("  %-44s %8.2f ms %9.2f us   (median of %d passes)\n", "agent Cgroup::readStats, files held", held * 1e3,
              held / kGroups * 1e6, kPasses);
  std::printf("  %-44s %8.2f ms %9.2f us   (open + first read)\n", "agent Cgroup::open + readStats (cold)", cold * 1e3,
              cold / kGroups * 1e6);
  std::printf("  %-44s %8.2f ms %9.2f us   (median of %d runs, user+sys)\n", "systemd-cgtop -b -n 1", theirs * 1e3,
              theirs / kGroups * 1e6, kCgtopRuns);
  std::printf("  systemd-cgtop / agent: %.1fx (best steady), %.1fx (cold)\n", ratio, theirs / cold);
  std::printf("  goal <= 20 us CPU per cgroup: %s; goal >= 5x cheaper than systemd-cgtop: %s\n",
              oursPerGroupUs <= 20.0 ? "met" : "NOT met", ratio >= 5.0 ? "met" : "NOT met");
  return 0;
}
