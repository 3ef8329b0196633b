// The CVE-2019-5736 class through the real agentd: a container's PID 1 (exe-racer, see
// ExeRacer.cpp) opens /proc/<pid>/exe of every process that appears in it while the test
// runs 200 `agentctl exec`s and a few launches, keeps any handle on an executable that is not
// the container's own, and, once agentd has stopped (no ETXTBSY), tries to write through it.
// agentd and agent-shim run from copies in a scratch directory: an attack that works damages
// only the copies (and writes back the byte it read, so not even them).
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "E2ESupport.h"

using namespace e2e;

namespace {

std::string sha256(const fs::path& file) {
  return shell("sha256sum " + file.string() + " | cut -d' ' -f1").out;
}

std::map<std::string, long> countsIn(const std::string& text) {
  std::map<std::string, long> counts;
  std::istringstream in(text);
  for (std::string name, value; in >> name >> value;) {
    if (name != "kept") counts[name] = std::atol(value.c_str());
  }
  return counts;
}

// The copies of agentd and agent-shim the test's agentd runs from, removed afterwards, laid
// out as installed (bin/, and share/ for the seccomp profile agentd finds beside it).
struct BinaryCopies {
  fs::path dir, bin;
  BinaryCopies() {
    dir = fs::temp_directory_path() / ("agent-test-e2e-bin-" + std::to_string(::getpid()));
    bin = dir / "bin";
    fs::create_directories(bin);
    for (const char* name : {"agentd", "agent-shim"}) fs::copy_file(fs::path(AGENT_BIN_DIR) / name, bin / name);
    fs::path profile = "share/agent/seccomp/default.json";
    fs::create_directories((dir / profile).parent_path());
    fs::copy_file(fs::path(AGENT_BIN_DIR) / ".." / profile, dir / profile);
  }
  ~BinaryCopies() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

}  // namespace

TEST(ExeOverwriteE2E, NoAgentBinaryIsReachableFromInsideDuringExecsAndLaunches) {
  BinaryCopies copies;
  std::string agentdBefore = sha256(copies.bin / "agentd"), shimBefore = sha256(copies.bin / "agent-shim");
  std::string result;
  {
    Agent agent("", {}, (copies.bin / "agentd").string());
    fs::path image = agent.root() / "data" / "images" / "racer" / "rootfs";
    fs::create_directories(image.parent_path());
    fs::copy(AGENT_TEST_IMAGES "/busybox/rootfs", image, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    fs::copy_file(AGENT_EXE_RACER, image / "racer");
    ASSERT_EQ(agent.ctl("run -d --name racer racer -- /racer").exitCode, 0) << agent.log();
    std::string inspect = agent.ctl("inspect racer").out;
    pid_t racer = std::atoi(field(inspect, "pid").c_str());
    std::string id = field(inspect, "id");
    ASSERT_GT(racer, 0) << inspect;
    for (int i = 0; i < 100 && agent.ctl("logs racer").out.find("racing") == std::string::npos; ++i) {
      std::this_thread::sleep_for(20ms);
    }

    int failed = 0;
    auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 200; ++i) {
      failed += agent.ctl("exec racer true").exitCode != 0;
      if (i % 50 == 0) failed += agent.ctl("run --rm busybox -- true").exitCode != 0;
    }
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    std::cout << "200 execs and 4 launches under the racer: " << elapsed.count() << " ms" << std::endl;
    EXPECT_EQ(failed, 0);

    // agentd gone, nothing runs agentd's file any more: a kept handle could now write it.
    agent.stop(SIGTERM);
    EXPECT_EQ(::kill(racer, SIGUSR1), 0);  // no ASSERT: agentd must start again to clean up
    fs::path resultFile = agent.root() / "data" / "containers" / id / "upper" / "result";
    for (int i = 0; i < 500 && !fs::exists(resultFile); ++i) std::this_thread::sleep_for(10ms);
    std::ifstream in(resultFile);
    result.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    agent.start();  // to remove the container
  }
  std::cout << "exe-racer's counts:\n" << result;
  ASSERT_FALSE(result.empty()) << "the racer wrote no result";
  auto counts = countsIn(result);
  EXPECT_GT(counts["rounds"], 1000) << result;
  // No process that joined showed an executable other than the container's own...
  EXPECT_EQ(counts["opath_foreign"], 0) << result;
  EXPECT_EQ(result.find("kept "), std::string::npos) << result;
  // ... so nothing could be opened or written, then or after agentd stopped.
  EXPECT_EQ(counts["rw_open_ok"] + counts["rw_write_ok"] + counts["reopen_ok"] + counts["reopen_write_ok"], 0)
      << result;
  EXPECT_EQ(sha256(copies.bin / "agentd"), agentdBefore);
  EXPECT_EQ(sha256(copies.bin / "agent-shim"), shimBefore);
}
