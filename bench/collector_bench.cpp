// The metrics side of the agent under load, side by side with systemd-cgtop in one run:
// 1000 container cgroups (as agentd names its own: <parent>/agent/<32 hex>) with one
// sleeping process each, under a test parent `agent-test-<pid>-<random>`.
//   1. CPU time of a collection cycle: the first (walk, open, read everything) and steady
//      ones (median and mean of 30: inotify for the inventory, CPU time for what ran, full
//      reads of what ran, was written, or is due its idle refresh), and of rendering one as
//      the text format and gzip; against the CPU time of one `systemd-cgtop -b -n 1` over
//      the same tree, which reads it all.
//   2. A real agentd (build/bin/agentd, free ports, its own directories) collecting that
//      tree every second: /metrics latency over 200 scrapes, plain and with gzip as
//      Prometheus asks (p50, p99), then its RSS and CPU over 60 s idle.
// Needs root; removes its processes, cgroups and directories on the way out.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "BenchSupport.h"
#include "Cgroup.h"
#include "Collector.h"
#include "HttpClient.h"
#include "MetricsRenderer.h"
#include "MetricsServer.h"

using namespace agent;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

int kGroups = 1000;
constexpr int kPasses = 30;  // three idle refresh periods
constexpr int kCgtopRuns = 7;
constexpr int kScrapes = 200;
constexpr int kIdleSeconds = 60;

double threadCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

using bench::percentile;

std::optional<double> cgtopCpuSeconds(const std::string& path) {
  return bench::cgtopCpuSeconds(path, 3);
}

// utime + stime of `pid`, seconds (fields 14 and 15 of /proc/<pid>/stat).
double processCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

uint64_t rssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

// Everything the bench made, undone on every way out.
struct Cleanup {
  const cgroup::Hierarchy& hierarchy;
  std::string parent;
  std::vector<pid_t> sleepers;
  pid_t agentd = -1;
  fs::path dir;
  ~Cleanup() {
    if (agentd > 0) {
      ::kill(agentd, SIGTERM);
      ::waitpid(agentd, nullptr, 0);
    }
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
  if (argc > 1) kGroups = std::max(1, std::atoi(argv[1]));
  if (::geteuid() != 0) {
    std::fprintf(stderr, "collector_bench: needs root (it creates %d cgroups and processes)\n", kGroups);
    std::fprintf(stderr, "usage: collector_bench [GROUPS]   (default 1000)\n");
    return 1;
  }
  auto hierarchy = cgroup::Hierarchy::detect();
  if (!hierarchy) {
    std::fprintf(stderr, "collector_bench: %s\n", hierarchy.error().message().c_str());
    return 1;
  }
  bench::raiseOpenFilesLimit();
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
  Cleanup cleanup{*hierarchy, "/agent-test-" + std::to_string(::getpid()) + "-" + suffix, {}, -1, {}};
  std::string agentParent = cleanup.parent + "/agent";
  auto controllers = hierarchy->available(cgroup::containerControllers());

  std::fprintf(stderr, "creating %d cgroups with a sleeping process each under %s ...\n", kGroups, agentParent.c_str());
  for (int i = 0; i < kGroups; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "%032x", i + 1);
    auto group = cgroup::Cgroup::create(*hierarchy, agentParent + "/" + id, controllers);
    if (!group) {
      std::fprintf(stderr, "collector_bench: %s\n", group.error().message().c_str());
      return 1;
    }
    pid_t pid = ::fork();
    if (pid == 0) {
      ::pause();
      ::_exit(0);
    }
    cleanup.sleepers.push_back(pid);
    if (auto attached = group->attach(pid); !attached) {
      std::fprintf(stderr, "collector_bench: %s\n", attached.error().message().c_str());
      return 1;
    }
  }

  // 1. In-process: the collector's own cost.
  collectors::CollectorConfig config;
  config.agentParent = agentParent;
  // For experiments: idle refresh every N cycles (1: read everything every cycle).
  if (const char* every = std::getenv("AGENT_BENCH_IDLE_REFRESH")) config.idleRefreshEvery = std::stoul(every);
  collectors::Collector collector(*hierarchy, config);
  double t0 = threadCpuSeconds();
  auto first = collector.collect({});
  double cold = threadCpuSeconds() - t0;
  size_t exported = first->cgroups.size();
  std::vector<double> cycles, renders, gzips;
  size_t textBytes = 0, gzipBytes = 0;
  for (int i = 0; i < kPasses; ++i) {
    double start = threadCpuSeconds();
    auto snapshot = collector.collect({});
    cycles.push_back(threadCpuSeconds() - start);
    start = threadCpuSeconds();
    std::string text = collectors::renderMetrics(*snapshot, {"bench", {}});
    double rendered = threadCpuSeconds();
    renders.push_back(rendered - start);
    std::string gzip = gzipCompress(text);
    gzips.push_back(threadCpuSeconds() - rendered);
    textBytes = text.size();
    gzipBytes = gzip.size();
  }
  double cycleMean = 0;
  for (double c : cycles) cycleMean += c / static_cast<double>(cycles.size());
  std::vector<double> cgtop;
  for (int i = 0; i < kCgtopRuns; ++i) {
    auto seconds = cgtopCpuSeconds(cleanup.parent);
    if (!seconds) {
      std::fprintf(stderr, "collector_bench: systemd-cgtop failed (install systemd: scripts/install-deps.sh test)\n");
      return 1;
    }
    cgtop.push_back(*seconds);
  }
  double cycle = percentile(cycles, 0.5), render = percentile(renders, 0.5), theirs = percentile(cgtop, 0.5);
  double gzipTime = percentile(gzips, 0.5);

  if (std::getenv("AGENT_BENCH_COLLECTOR_ONLY")) {  // for profiling the cycle alone
    std::printf(
        "collection cycle %.2f ms (mean %.2f, cold %.2f ms), render %.2f ms, gzip %.2f ms, systemd-cgtop %.2f ms\n",
        cycle * 1e3, cycleMean * 1e3, cold * 1e3, render * 1e3, gzipTime * 1e3, theirs * 1e3);
    return 0;
  }
  // 2. A real agentd over the same tree.
  cleanup.dir = fs::temp_directory_path() / ("agent-test-bench-" + std::string(suffix));
  fs::create_directories(cleanup.dir / "data");
  { std::ofstream(cleanup.dir / "agent.yaml") << "standby_containers: 0\ncollect_interval: 1\n"; }
  cleanup.agentd = ::fork();
  if (cleanup.agentd == 0) {
    if (!std::freopen((cleanup.dir / "agentd.log").c_str(), "w", stdout) ||
        !std::freopen((cleanup.dir / "agentd.log").c_str(), "a", stderr))
      ::_exit(126);
    std::string cfg = (cleanup.dir / "agent.yaml").string(), state = (cleanup.dir / "state").string(),
                data = (cleanup.dir / "data").string();
    std::string self = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "bin" / "agentd";
    ::execl(self.c_str(), "agentd", "--config", cfg.c_str(), "--state-dir", state.c_str(), "--data-dir", data.c_str(),
            "--api-address", "127.0.0.1:0", "--metrics-address", "127.0.0.1:0", "--cgroup-parent", agentParent.c_str(),
            "--policy-dir", (cleanup.dir / "policies").c_str(), "--log-level", "warn", nullptr);
    ::_exit(127);
  }
  for (int i = 0; i < 500 && !fs::exists(cleanup.dir / "state" / "api"); ++i) std::this_thread::sleep_for(20ms);
  std::ifstream urlFile(cleanup.dir / "state" / "metrics");
  std::string metricsUrl;
  std::getline(urlFile, metricsUrl);
  auto url = ctl::parseHttpUrl(metricsUrl.substr(0, metricsUrl.rfind('/')));
  if (!url) {
    std::fprintf(stderr, "collector_bench: agentd did not start (see %s/agentd.log)\n", cleanup.dir.c_str());
    return 1;
  }
  std::this_thread::sleep_for(2s);  // a few collections: handles and held files in place
  // 200 plain scrapes, then 200 asking for gzip, 50 ms apart: one in twenty finds a snapshot
  // nobody scraped yet and pays its render (and gzip), as every scrape of one Prometheus at a
  // 15 s interval does: the p99 and the max are those.
  std::vector<double> latencies, gzipLatencies;
  size_t scrapeBytes = 0, gzipScrapeBytes = 0;
  for (int i = 0; i < 2 * kScrapes; ++i) {
    bool gzip = i >= kScrapes;
    ctl::HttpRequestLine request{"GET", "/metrics", {}, ""};
    if (gzip) request.headers.push_back({"Accept-Encoding", "gzip"});
    auto start = std::chrono::steady_clock::now();
    auto reply = ctl::httpExchange(*url, request, 10s);
    (gzip ? gzipLatencies : latencies)
        .push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!reply || reply->status != 200) {
      std::fprintf(stderr, "collector_bench: scrape failed\n");
      return 1;
    }
    (gzip ? gzipScrapeBytes : scrapeBytes) = reply->body.size();
    std::this_thread::sleep_for(50ms);
  }
  std::fprintf(stderr, "agentd idle for %d s ...\n", kIdleSeconds);
  double cpuBefore = processCpuSeconds(cleanup.agentd);
  auto wallBefore = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(kIdleSeconds));
  double idleCpu = processCpuSeconds(cleanup.agentd) - cpuBefore;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallBefore).count();
  uint64_t rss = rssKiB(cleanup.agentd);

  std::printf("metrics collection, %d container cgroups (one sleeping process each), cgroup mode %s\n", kGroups,
              std::string(cgroup::modeName(hierarchy->mode())).c_str());
  std::printf("  exported per cycle: %zu cgroups (the containers and the root)\n", exported);
  std::printf("  collection cycle, CPU:          %8.2f ms  (median of %d, mean %.2f ms; %.1f us per cgroup)\n",
              cycle * 1e3, kPasses, cycleMean * 1e3, cycle / exported * 1e6);
  std::printf("  first cycle (walk, opens), CPU: %8.2f ms\n", cold * 1e3);
  std::printf("  rendering the text format, CPU: %8.2f ms  (median of %d; %zu bytes)\n", render * 1e3, kPasses,
              textBytes);
  std::printf("  gzip of it, CPU:                %8.2f ms  (median of %d; %zu bytes)\n", gzipTime * 1e3, kPasses,
              gzipBytes);
  std::printf("  systemd-cgtop -b -n 1, CPU:     %8.2f ms  (median of %d runs, user+sys)\n", theirs * 1e3, kCgtopRuns);
  std::printf("  systemd-cgtop / agent cycle:    %8.1fx\n", theirs / cycle);
  std::printf("  /metrics from agentd, %d scrapes: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu bytes each)\n", kScrapes,
              percentile(latencies, 0.5) * 1e3, percentile(latencies, 0.99) * 1e3, percentile(latencies, 1.0) * 1e3,
              scrapeBytes);
  std::printf("  the same with gzip, %d scrapes:  p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu bytes each)\n", kScrapes,
              percentile(gzipLatencies, 0.5) * 1e3, percentile(gzipLatencies, 0.99) * 1e3,
              percentile(gzipLatencies, 1.0) * 1e3, gzipScrapeBytes);
  std::printf("  agentd idle %.0f s at a 1 s interval: CPU %.2f%% of one core, RSS %.1f MiB\n", wall,
              idleCpu / wall * 100, static_cast<double>(rss) / 1024);
  std::printf(
      "  goals: cycle <= 20 ms %s; >= 5x cheaper than systemd-cgtop %s; p99 <= 50 ms %s; RSS <= 30 MiB %s; "
      "CPU <= 2%% %s\n",
      cycle <= 0.020 ? "met" : "NOT met", theirs / cycle >= 5 ? "met" : "NOT met",
      std::max(percentile(latencies, 0.99), percentile(gzipLatencies, 0.99)) <= 0.050 ? "met" : "NOT met",
      rss <= 30 * 1024 ? "met" : "NOT met", idleCpu / wall <= 0.02 ? "met" : "NOT met");
  return 0;
}
