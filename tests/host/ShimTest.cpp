// agent-shim on this kernel: it records PID 1's pid, output and exit status on its own, so
// the exit code survives whatever happens to the process that started it.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "HostTestSupport.h"
#include "LogReader.h"
#include "ReaderLease.h"
#include "ShimStarter.h"
#include "StateStore.h"

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;

namespace {

constexpr char kShim[] = AGENT_BIN_DIR "/agent-shim";

struct Bundle {
  ScratchDir scratch;
  container::StateStore store{scratch.path() + "/containers"};
  std::string id = "c0ffee";

  Bundle(const TestParent& parent, cgroup::Cgroup& group, std::vector<std::string> args,
         uint64_t logMaxBytes = 10 << 20) {
    container::ContainerConfig config;
    config.spec.id = id;
    config.spec.hostname = id;
    config.spec.imageRootfs = AGENT_TEST_IMAGES "/busybox/rootfs";
    config.spec.layerDir = scratch.path() + "/layers";
    config.spec.args = std::move(args);
    config.name = "shim-test";
    config.cgroupPath = group.path();
    config.logPath = store.dirOf(id) + "/log";
    config.logMaxBytes = logMaxBytes;
    std::filesystem::create_directories(config.spec.layerDir);
    auto created = store.create(config);
    if (!created) throw std::runtime_error(created.error().message());
    (void)parent;
  }
  std::string dir() const { return store.dirOf(id); }

  std::optional<container::ExitRecord> waitForExit(std::chrono::milliseconds timeout = 10s) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto exit = store.readExit(id);
      if (exit && *exit) return **exit;
      std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
  }
  std::string log() const {
    auto read = container::readLogFrom(dir() + "/log", std::nullopt, 64 << 20);
    return read ? streamsApart(read->frames).out + streamsApart(read->frames).err : read.error().message();
  }
  StreamsApart output() const {
    auto read = container::readLogFrom(dir() + "/log", std::nullopt, 64 << 20);
    return read ? streamsApart(read->frames) : StreamsApart{};
  }
};

int reap(pid_t pid) {
  int status = -1;
  ::waitpid(pid, &status, 0);
  return status;
}

}  // namespace

TEST(Shim, RecordsOutputAndExitCode) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  Bundle bundle(parent, group, {"sh", "-c", "echo hello from pid $$; echo to stderr >&2; exit 3"});
  auto started = container::startShim(kShim, bundle.dir());
  ASSERT_TRUE(started) << started.error().error.message();
  auto exit = bundle.waitForExit();
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exitCode, 3);
  EXPECT_FALSE(exit->signal);
  // PID 1's stdout and stderr are two pipes, kept apart in the log.
  EXPECT_EQ(bundle.output().out, "hello from pid 1\n") << bundle.log();
  EXPECT_EQ(bundle.output().err, "to stderr\n") << bundle.log();
  int status = reap(started->shimPid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(Shim, KilledContainerIs128PlusSignal) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  Bundle bundle(parent, group, {"sleep", "30"});
  auto started = container::startShim(kShim, bundle.dir());
  ASSERT_TRUE(started) << started.error().error.message();
  auto pidRecord = bundle.store.readPid(bundle.id);
  ASSERT_TRUE(pidRecord && *pidRecord);
  EXPECT_EQ((*pidRecord)->pid, started->containerPid);
  auto stat = proc::ProcFs().readStat(started->containerPid);
  ASSERT_TRUE(stat) << stat.error().message();
  EXPECT_EQ((*pidRecord)->startTimeTicks, stat->startTimeTicks);

  ::kill(started->containerPid, SIGKILL);
  auto exit = bundle.waitForExit();
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exitCode, 137);
  EXPECT_EQ(exit->signal, SIGKILL);
  reap(started->shimPid);
}

TEST(Shim, MissingCommandIsRecordedAs127) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  Bundle bundle(parent, group, {"no-such-command"});
  auto started = container::startShim(kShim, bundle.dir());
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().exitCode, 127);
  EXPECT_NE(started.error().error.message().find("command not found in the image"), std::string::npos)
      << started.error().error.message();
  auto exit = bundle.store.readExit(bundle.id);
  ASSERT_TRUE(exit && *exit);
  EXPECT_EQ((*exit)->exitCode, 127);
  EXPECT_NE((*exit)->error.find("no-such-command"), std::string::npos);
}

TEST(Shim, ExitIsRecordedAfterItsStarterDied) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  // Long enough that the starter is surely gone first, also in the emulated guest on a busy
  // host, where starting a shim has taken 2.4 s.
  Bundle bundle(parent, group, {"sh", "-c", "sleep 5; exit 4"});
  auto begin = std::chrono::steady_clock::now();
  // The starter plays agentd: it starts the shim and dies at once.
  pid_t starter = ::fork();
  ASSERT_GE(starter, 0);
  if (starter == 0) {
    auto started = container::startShim(kShim, bundle.dir());
    ::_exit(started ? 0 : 1);
  }
  int status = reap(starter);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // The starter was gone while the container still ran.
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 4500ms);
  auto early = bundle.store.readExit(bundle.id);
  ASSERT_TRUE(early);
  EXPECT_FALSE(early->has_value()) << "the container had already ended when its starter died";
  auto exit = bundle.waitForExit();
  ASSERT_TRUE(exit) << "no exit record: " << bundle.log();
  EXPECT_EQ(exit->exitCode, 4);
}

namespace {

// 3000 numbered lines (about 26 KiB): six times a 4 KiB log.
const std::vector<std::string> kManyLines = {"sh", "-c",
                                             "i=0; while [ $i -lt 3000 ]; do echo \"line $i\"; i=$((i+1)); done"};

std::string expectedManyLines() {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "line " + std::to_string(i) + "\n";
  return text;
}

}  // namespace

TEST(Shim, AnAttachedReaderIsNeverOvertakenByRotation) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  Bundle bundle(parent, group, kManyLines, 4096);
  const std::string reader = "a11ce";
  ASSERT_TRUE(container::writeReaderLease(bundle.dir(), reader, {0, container::bootTimeMs() + 20'000}));
  auto started = container::startShim(kShim, bundle.dir());
  ASSERT_TRUE(started) << started.error().error.message();
  // The reader has received nothing: the shim fills the log, its rotated copy, and waits.
  std::this_thread::sleep_for(500ms);
  auto early = bundle.store.readExit(bundle.id);
  ASSERT_TRUE(early);
  EXPECT_FALSE(early->has_value()) << "the container finished although its output could not be kept";
  auto held = container::readLogFrom(bundle.dir() + "/log", 0, 64 << 20);
  ASSERT_TRUE(held);
  EXPECT_EQ(held->lost, 0u);
  // Reading and renewing the lease as agentd does for `run`: every byte arrives.
  std::string received;
  uint64_t position = 0;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    bool exited = bundle.store.readExit(bundle.id).value_or(std::nullopt).has_value();
    auto read = container::readLogFrom(bundle.dir() + "/log", position, 1000);
    ASSERT_TRUE(read) << read.error().message();
    ASSERT_EQ(read->lost, 0u) << "rotation overtook a reader holding a lease";
    received += streamsApart(read->frames).out;
    position = read->position;
    ASSERT_TRUE(container::writeReaderLease(bundle.dir(), reader, {position, container::bootTimeMs() + 20'000}));
    if (exited && read->caughtUp) break;
    if (read->frames.empty()) std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(received.size(), expectedManyLines().size());
  EXPECT_TRUE(received == expectedManyLines()) << "output differs";
  auto exit = bundle.waitForExit();
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exitCode, 0);
  reap(started->shimPid);
}

TEST(Shim, AReaderWhoseLeaseRanOutHoldsNothingBack) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  Bundle bundle(parent, group, kManyLines, 4096);
  ASSERT_TRUE(container::writeReaderLease(bundle.dir(), "90e", {0, container::bootTimeMs() + 300}));
  auto begin = std::chrono::steady_clock::now();
  auto started = container::startShim(kShim, bundle.dir());
  ASSERT_TRUE(started) << started.error().error.message();
  auto exit = bundle.waitForExit();
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exitCode, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
  // Such a reader comes back to find it missed output, and is told how much.
  auto late = container::readLogFrom(bundle.dir() + "/log", 0, 64 << 20);
  ASSERT_TRUE(late);
  EXPECT_GT(late->lost, 0u);
  std::string kept = streamsApart(late->frames).out;
  EXPECT_EQ(expectedManyLines().substr(expectedManyLines().size() - kept.size()), kept);
  reap(started->shimPid);
}
