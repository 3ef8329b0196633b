// Limits on Docker's containers through Docker's API, against a real private dockerd
// (scripts/private-dockerd.sh: its own roots, socket and cgroup parent, `--network none`
// containers of the busybox rootfs `docker import`ed): the reconciler's apply and its pass
// with a DockerLimitClient, as agentd wires them for a target whose engine is "docker".
// `docker inspect` must show what the agent set, the cgroup files must agree, a container
// run with --cpu-quota gets its quota changed (no "Conflicting options"), `docker update`
// behind the agent's back is put back and counted, and `docker restart` keeps the value.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>

#include "DockerLimitClient.h"
#include "Limiting.h"
#include "PrivateEngine.h"
#include "UnixSocketHttp.h"

using namespace agent;
using namespace agent::hosttest;
namespace fs = std::filesystem;

namespace {

struct Ran {
  int exitCode = -1;
  std::string out;  // stdout and stderr
};

Ran shell(const std::string& command) {
  Ran ran;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return ran;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) ran.out.append(buffer, n);
  int status = ::pclose(pipe);
  ran.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

const char* kImage = "agent-host-busybox:imported";
// Longer than agentd's 3 s: the vm tier runs this suite under qemu's emulation, where dockerd
// takes tens of seconds for an update; what is tested is the limit, not the wait.
constexpr std::chrono::seconds kAnswerWithin{120};

}  // namespace

class DockerLimit : public ::testing::Test {
 protected:
  // One dockerd for the suite: it takes seconds to start.
  static void SetUpTestSuite() {
    parent_ = "agent-test-" + std::to_string(::getpid()) + "-docker";
    auto engine =
        agent::testsupport::startPrivateEngine(shell, "dockerd", AGENT_SCRIPTS_DIR "/private-dockerd.sh", parent_);
    dir_ = engine.dir;
    skipReason_ = engine.skipReason;
    setupError_ = engine.error;
    if (!engine.started()) return;
    Ran imported = shell("tar -C " AGENT_TEST_IMAGES "/busybox/rootfs -c . | " + dockerCommand() +
                         " import -c 'CMD [\"/bin/sh\"]' - " + kImage);
    if (imported.exitCode != 0) setupError_ = "docker import failed:\n" + imported.out;
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) shell(AGENT_SCRIPTS_DIR "/private-dockerd.sh stop " + dir_);
    EXPECT_FALSE(fs::exists(dir_)) << "the private dockerd's directory stayed: " << dir_;
  }
  void SetUp() override {
    if (!skipReason_.empty()) AGENT_SKIP_OR_FAIL_UNDER_CI(skipReason_);
    ASSERT_TRUE(setupError_.empty()) << setupError_;
    Reconciler::Options options;
    options.engineLimits["docker"] = std::make_shared<engines::DockerLimitClient>(
        std::make_shared<engines::UnixSocketHttp>(dir_ + "/docker.sock", kAnswerWithin));
    limiting_.emplace([this] { return targets(); }, options);
  }
  void TearDown() override {
    limiting_.reset();
    for (const auto& [name, id] : containers_) docker("rm -f " + name);
  }

  static std::string dockerCommand() { return "/usr/bin/docker -H unix://" + dir_ + "/docker.sock"; }
  static Ran docker(const std::string& args) { return shell(dockerCommand() + " " + args); }

  // `docker run -d --network none FLAGS` of a busy loop; its full id.
  std::string run(const std::string& name, const std::string& flags) {
    // An absolute --cgroup-parent: a relative one is taken below the shim's own cgroup in each
    // hierarchy, and this sandbox keeps processes in a memory cgroup of their own.
    Ran ran = docker("run -d --network none --cgroup-parent /" + parent_ + " --name " + name + " " + flags + " " +
                     kImage + " sh -c 'while :; do :; done'");
    EXPECT_EQ(ran.exitCode, 0) << ran.out;
    // The id is the last line: a warning may come first (on cgroup v2 without swap accounting,
    // "Your kernel does not support swap limit capabilities...", on stderr, merged here).
    std::string id = trimmed(ran.out);
    if (auto newline = id.rfind('\n'); newline != std::string::npos) id.erase(0, newline + 1);
    std::lock_guard lock(mutex_);
    containers_[name] = id;
    return id;
  }
  // What agentd's engine client tells it of Docker's containers (the names helper's part):
  // the target by name, its cgroup below the dockerd's parent, limits through the API.
  std::vector<LimitTarget> targets() {
    std::lock_guard lock(mutex_);
    std::vector<LimitTarget> out;
    for (const auto& [name, id] : containers_) {
      std::string path = cgroupPath(id);
      LimitTarget t{path, name, path, false, {}, true};
      t.engine = "docker";
      t.engineId = id;
      out.push_back(t);
    }
    return out;
  }
  static std::string cgroupPath(const std::string& id) { return "/" + parent_ + "/" + id; }
  nlohmann::json hostConfig(const std::string& name) {
    Ran ran = docker("inspect --format '{{json .HostConfig}}' " + name);
    EXPECT_EQ(ran.exitCode, 0) << ran.out;
    return nlohmann::json::parse(ran.out, nullptr, false);
  }
  cgroup::Cgroup group(const std::string& name) {
    auto g = cgroup::Cgroup::open(HostEnvironment::hierarchy(), cgroupPath(containers_.at(name)),
                                  cgroup::ControllerSet{cgroup::Controller::Cpu, cgroup::Controller::Cpuacct,
                                                        cgroup::Controller::Memory, cgroup::Controller::Pids});
    if (!g) throw std::runtime_error(g.error().message());
    return std::move(*g);
  }
  cgroup::Limits kernel(const std::string& name) {
    auto limits = group(name).readLimits();
    if (!limits) throw std::runtime_error(limits.error().message());
    return *limits;
  }
  Limiting& l() { return *limiting_; }

  static inline std::string dir_, parent_, skipReason_, setupError_;
  std::mutex mutex_;
  std::map<std::string, std::string> containers_;  // name -> id
  std::optional<Limiting> limiting_;
};

// --cpus 2 --memory 64m, then cpu 50%, memory 128Mi, pids 100 through Docker: inspect shows
// them in Docker's fields and the kernel holds the same.
TEST_F(DockerLimit, LimitsGoThroughDockersApiAndInspectAgrees) {
  run("web", "--cpus 2 --memory 64m");
  // Docker gives 64m of swap beside --memory 64m (MemorySwap 128m), or -1 on a kernel it finds
  // without swap accounting (it warns so at `docker run`: the vm tier's cgroup v2 guest).
  int64_t swapBefore = hostConfig("web")["MemorySwap"].get<int64_t>();
  EXPECT_EQ(l().limit("web", "cpu", "50%"), "200% -> 50%");
  EXPECT_EQ(l().limit("web", "memory", "128Mi"), "64Mi -> 128Mi");
  EXPECT_EQ(l().limit("web", "pids", "100"), "max -> 100");
  auto host = hostConfig("web");
  EXPECT_EQ(host["NanoCpus"], 500000000) << host.dump();
  EXPECT_EQ(host["Memory"], 134217728) << host.dump();
  EXPECT_EQ(host["PidsLimit"], 100) << host.dump();
  int64_t swapAfter = swapBefore == -1 ? -1 : 134217728 + (swapBefore - (64 << 20));
  EXPECT_EQ(host["MemorySwap"], swapAfter) << "the swap allowed beside memory kept: " << host.dump();
  auto k = kernel("web");
  EXPECT_EQ(k.cpu->quotaUs, cgroup::Bound::of(50000));
  EXPECT_EQ(k.cpu->periodUs, 100000u);
  EXPECT_EQ(k.memoryMax, cgroup::Bound::of(134217728));
  EXPECT_EQ(k.pidsMax, cgroup::Bound::of(100));
  EXPECT_EQ(l().metrics.enforcements("override", "cpu"), 1u);
}

// Run with --cpu-quota: NanoCpus would be refused ("Conflicting options"), CpuQuota changes.
TEST_F(DockerLimit, AContainerRunWithCpuQuotaGetsItsQuotaChanged) {
  run("quota", "--cpu-quota 20000");
  EXPECT_EQ(l().limit("quota", "cpu", "50%"), "20% -> 50%");
  auto host = hostConfig("quota");
  EXPECT_EQ(host["CpuQuota"], 50000) << host.dump();
  EXPECT_EQ(host["NanoCpus"], 0) << host.dump();
  EXPECT_EQ(kernel("quota").cpu->quotaUs, cgroup::Bound::of(50000));
}

// Docker's own refusal comes back with its message and what to do, and nothing changes:
// NanoCpus above dockerd's CPUs (agentctl refuses that before; a policy or another host's
// count need not).
TEST_F(DockerLimit, DockersRefusalIsSaidWithWhatToDo) {
  std::string id = run("wide", "--cpus 1");
  auto target = targets().front();
  policies::LimitSet wide;
  wide.cpu = cgroup::CpuQuota{cgroup::Bound::of((::sysconf(_SC_NPROCESSORS_ONLN) + 1) * 100000), 100000};
  auto applied = l().reconciler->apply(target, wide, policies::LimitSource::override());
  ASSERT_TRUE(applied) << applied.error().message();
  ASSERT_EQ(applied->size(), 1u);
  const auto& said = applied->front().error;
  EXPECT_NE(said.find("of CPUs is from 0.01"), std::string::npos) << said;
  EXPECT_NE(said.find("ask for at most the host's CPUs"), std::string::npos) << said;
  EXPECT_NE(said.find("cpu stays 100%"), std::string::npos) << said;
  EXPECT_EQ(hostConfig("wide")["NanoCpus"], 1000000000);
  EXPECT_EQ(kernel("wide").cpu->quotaUs, cgroup::Bound::of(100000));
}

// What Docker's API cannot do is refused before it is asked, with what to do instead: a
// --cpus limit cannot be removed (NanoCpus 0 means "unchanged").
TEST_F(DockerLimit, NoCpuLimitOnAContainerRunWithCpusSaysWhatToDo) {
  run("capped", "--cpus 1");
  std::string said = l().limit("capped", "cpu", "max");
  EXPECT_NE(said.find("recreate the container without --cpus"), std::string::npos) << said;
  EXPECT_EQ(hostConfig("capped")["NanoCpus"], 1000000000);
}

// `docker update --cpus 1` behind the agent's back: the periodic pass puts 50% back through
// Docker and counts one drift correction; the next pass finds nothing to do.
TEST_F(DockerLimit, DockerUpdateBehindOurBackIsPutBackAndCounted) {
  run("web", "--cpus 2");
  ASSERT_EQ(l().limit("web", "cpu", "50%"), "200% -> 50%");
  Ran updated = docker("update --cpus 1 web");
  ASSERT_EQ(updated.exitCode, 0) << updated.out;
  ASSERT_EQ(kernel("web").cpu->quotaUs, cgroup::Bound::of(100000));
  l().reconciler->reconcileAll(true);
  EXPECT_EQ(kernel("web").cpu->quotaUs, cgroup::Bound::of(50000));
  EXPECT_EQ(hostConfig("web")["NanoCpus"], 500000000);
  EXPECT_EQ(l().metrics.driftCorrections("cpu"), 1u);
  l().reconciler->reconcileAll(true);
  EXPECT_EQ(l().metrics.driftCorrections("cpu"), 1u);
}

// Docker's own restart starts the container from its HostConfig: our value, not the one it
// was run with, with no pass of the reconciler in between.
TEST_F(DockerLimit, DockerRestartKeepsOurValue) {
  run("web", "--cpus 2 --memory 64m");
  ASSERT_EQ(l().limit("web", "cpu", "50%"), "200% -> 50%");
  ASSERT_EQ(l().limit("web", "memory", "128Mi"), "64Mi -> 128Mi");
  Ran restarted = docker("restart -t 0 web");
  ASSERT_EQ(restarted.exitCode, 0) << restarted.out;
  auto k = kernel("web");
  EXPECT_EQ(k.cpu->quotaUs, cgroup::Bound::of(50000));
  EXPECT_EQ(k.memoryMax, cgroup::Bound::of(134217728));
}

// A busy loop limited to 50% through Docker uses about half a CPU (the kernel's cpuacct).
TEST_F(DockerLimit, ABusyContainerLimitedToHalfACpuUsesHalfACpu) {
  run("busy", "");
  ASSERT_EQ(l().limit("busy", "cpu", "50%"), "max -> 50%");
  auto g = group("busy");
  measureCpuShare(g, std::chrono::milliseconds(500));  // settle
  double share = measureCpuShare(g, std::chrono::seconds(4));
  RecordProperty("cpu_share", std::to_string(share));
  std::printf("busy container limited to 50%% used %.1f%% of a CPU over 4 s\n", share * 100);
  EXPECT_GE(share, 0.45);
  EXPECT_LE(share, 0.55);
}
