// The reconciler over 1000 containers (issue 5): cgroups made the way another runtime would
// (<test parent>/docker/<64 hex>), one `cgroups:` policy setting cpu, memory and pids on all
// of them. Measures the CPU time of the first pass (writes 3000 limits), of passes where
// nothing differs (the goal: <= 5 ms), and of the verify pass that reads every group
// (every 12th). Needs root; removes its cgroups and directories on the way out.
#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "BenchSupport.h"
#include "Cgroup.h"
#include "CgroupInventory.h"
#include "EnforcementMetrics.h"
#include "OverrideStore.h"
#include "PolicyStore.h"
#include "Reconciler.h"

using namespace agent;
namespace fs = std::filesystem;

namespace {
double threadCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
}  // namespace

int main(int argc, char** argv) {
  int groups = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1000;
  if (::geteuid() != 0) {
    std::fprintf(stderr, "reconcile_bench: needs root (it creates %d cgroups)\nusage: reconcile_bench [GROUPS]\n",
                 groups);
    return 1;
  }
  auto hierarchy = cgroup::Hierarchy::detect();
  if (!hierarchy) {
    std::fprintf(stderr, "reconcile_bench: %s\n", hierarchy.error().message().c_str());
    return 1;
  }
  bench::raiseOpenFilesLimit();
  spdlog::set_level(spdlog::level::warn);  // 3000 "limit enforced" lines would be the first pass's cost
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
  std::string parent = "/agent-test-" + std::to_string(::getpid()) + "-" + suffix;
  fs::path dir = fs::temp_directory_path() / ("agent-test-reconcile-" + std::string(suffix));
  struct Cleanup {
    const cgroup::Hierarchy& hierarchy;
    std::string parent;
    fs::path dir;
    ~Cleanup() {
      if (auto group = cgroup::Cgroup::open(hierarchy, parent, cgroup::containerControllers())) {
        if (auto r = group->remove(std::chrono::seconds(20)); !r)
          std::fprintf(stderr, "cleanup: %s\n", r.error().message().c_str());
      }
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } cleanup{*hierarchy, parent, dir};
  fs::create_directories(dir / "policies");
  fs::create_directories(dir / "state");
  fs::create_directories(dir / "data");

  auto controllers = hierarchy->available(cgroup::containerControllers());
  std::vector<LimitTarget> targets;
  std::fprintf(stderr, "creating %d cgroups under %s/docker ...\n", groups, parent.c_str());
  for (int i = 0; i < groups; ++i) {
    char id[80];
    std::snprintf(id, sizeof id, "%064x", i + 1);
    std::string path = parent + "/docker/" + id;
    if (auto g = cgroup::Cgroup::create(*hierarchy, path, controllers); !g) {
      std::fprintf(stderr, "reconcile_bench: %s\n", g.error().message().c_str());
      return 1;
    }
    targets.push_back({path, std::string(id).substr(0, 12), path, false, {}, false});
  }
  std::ofstream(dir / "policies" / "docker.yaml")
      << "policies:\n  - name: docker-all\n    match: {cgroups: [\"" << parent << "/docker/*\"]}\n"
      << "    limits: {cpu: 50%, memory: 256Mi, pids: 100}\n";

  container::RuntimeConfig runtimeConfig;
  runtimeConfig.stateDir = (dir / "state").string();
  runtimeConfig.dataDir = (dir / "data").string();
  runtimeConfig.cgroupParent = parent + "/agent";
  container::ContainerRuntime runtime(runtimeConfig, *hierarchy);
  auto overrides = policies::OverrideStore::open((dir / "state").string());
  PolicyStore policies((dir / "policies").string(), 2);
  if (!overrides || !policies.reload()) {
    std::fprintf(stderr, "reconcile_bench: cannot set up overrides or policies\n");
    return 1;
  }
  EnforcementMetrics metrics;
  // The host's one cgroup watch, as agentd has it in the collector: it tells the reconciler
  // which groups were written. Refreshed between passes, untimed (the collector's cost).
  auto writes = std::make_shared<cgroup::CgroupWriteFeed>();
  cgroup::CgroupInventory inventory(*hierarchy, hierarchy->available(cgroup::containerControllers()), 32);
  inventory.publishTo(writes);
  (void)inventory.refresh();
  Reconciler::Options options;
  options.writes = writes;
  Reconciler reconciler(runtime, *hierarchy, *overrides, policies, metrics, options, [&targets] { return targets; });

  double t0 = threadCpuSeconds();
  reconciler.reconcileAll(false);
  double first = threadCpuSeconds() - t0;
  uint64_t written = metrics.enforcements("docker-all", "cpu") + metrics.enforcements("docker-all", "memory") +
                     metrics.enforcements("docker-all", "pids");
  std::vector<double> quiet, verify;
  for (int pass = 2; pass <= 36; ++pass) {
    (void)inventory.refresh();
    double start = threadCpuSeconds();
    reconciler.reconcileAll(true);
    (pass % 12 == 0 ? verify : quiet).push_back(threadCpuSeconds() - start);
  }
  uint64_t drift =
      metrics.driftCorrections("cpu") + metrics.driftCorrections("memory") + metrics.driftCorrections("pids");
  std::printf("reconciler, %d cgroups matched by one policy (cpu, memory, pids), cgroup mode %s\n", groups,
              std::string(cgroup::modeName(hierarchy->mode())).c_str());
  std::printf("  first pass (opens, %lu limits written), CPU:  %8.2f ms\n", static_cast<unsigned long>(written),
              first * 1e3);
  std::printf("  pass with nothing different, CPU:            %8.2f ms  (median of %zu; %.2f us per cgroup)\n",
              bench::percentile(quiet, 0.5) * 1e3, quiet.size(), bench::percentile(quiet, 0.5) / groups * 1e6);
  std::printf("  verify pass (every 12th: reads every group): %8.2f ms  (median of %zu)\n",
              bench::percentile(verify, 0.5) * 1e3, verify.size());
  std::printf("  writes in those passes: %lu (0 expected)\n", static_cast<unsigned long>(drift));
  std::printf("  goal: a pass with nothing different <= 5 ms: %s\n",
              bench::percentile(quiet, 0.5) <= 0.005 ? "met" : "NOT met");
  return 0;
}
