// The CVE-2024-21626 class through the real agentd: a descriptor agentd inherited (fd 42 on a
// host file, as `agentd 42>file` gives it) and agentd's own reach no container process,
// whether PID 1 (standby pool or not) or exec'd; stdin is the container's own /dev/null.
#include <gtest/gtest.h>

#include <sstream>

#include "E2ESupport.h"

using namespace e2e;

namespace {

// Run inside: whether fd 42 takes a write, what stdin is, the descriptors of `ls` (the
// shell's 0, 1, 2, and 3: ls's own handle on the directory it lists), then PID 1's. `true`
// last keeps the shell from exec'ing the last ls in place of itself.
constexpr const char* kProbe =
    "sh -c '(echo x >&42) 2>/dev/null && echo wrote-to-42; readlink /proc/self/fd/0; ls /proc/self/fd; "
    "echo pid1:; ls /proc/1/fd; true'";

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

// Exactly stdio, stdin the container's own /dev/null (the host's reads "/null" inside).
void expectOnlyStdio(const Ran& ran, const std::string& what) {
  EXPECT_EQ(lines(ran.out), (std::vector<std::string>{"/dev/null", "0", "1", "2", "3", "pid1:", "0", "1", "2"}))
      << what << ":\n"
      << ran.out;
}

}  // namespace

TEST(FdHygieneE2E, AnInheritedDescriptorReachesNoContainerProcess) {
  Agent agent("", {{42, "host-file"}});
  ASSERT_TRUE(fs::exists("/proc/" + std::to_string(agent.pid()) + "/fd/42")) << "agentd did not inherit fd 42";

  // From the standby pool (--net none) and started on demand (--net host).
  expectOnlyStdio(agent.ctl(std::string("run --rm busybox -- ") + kProbe), "run");
  expectOnlyStdio(agent.ctl(std::string("run --rm --net host busybox -- ") + kProbe), "run --net host");

  Ran started = agent.ctl("run -d --name keep busybox -- sleep 600");
  ASSERT_EQ(started.exitCode, 0) << started.out;
  expectOnlyStdio(agent.ctl(std::string("exec keep -- ") + kProbe), "exec");

  std::ifstream in(agent.root() / "host-file");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "") << "a container wrote to agentd's fd 42";
}
