// `agentctl run --userns auto` as a user runs it, with the ids that scripts/install-deps.sh gave
// the user `agent` in this machine's /etc/subuid and /etc/subgid.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "E2ESupport.h"

using namespace e2e;

namespace {

// The start of `user`'s first range in a subordinate id file, or "" without one.
std::string firstRangeStart(const std::string& file, const std::string& user) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(user + ":", 0) == 0)
      return line.substr(user.size() + 1, line.find(':', user.size() + 1) - user.size() - 1);
  }
  return "";
}

std::string words(const std::string& text) {
  std::istringstream in(text);
  std::string word, out;
  while (in >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

}  // namespace

TEST(UserNamespaceE2E, RunExecAndInspectShowTheContainersOwnIds) {
  std::string uidStart = firstRangeStart("/etc/subuid", "agent"), gidStart = firstRangeStart("/etc/subgid", "agent");
  ASSERT_FALSE(uidStart.empty() || gidStart.empty())
      << "no ranges of user agent in /etc/subuid and /etc/subgid: run scripts/install-deps.sh run";
  Agent agent;
  Ran started = agent.ctl("run -d --userns auto --name ranged busybox -- sleep 60");
  ASSERT_EQ(started.exitCode, 0) << started.out << agent.log();
  Ran inspect = agent.ctl("inspect ranged");
  EXPECT_EQ(field(inspect.out, "mode"), "auto") << inspect.out;
  EXPECT_EQ(field(inspect.out, "uid_map"), "0 " + uidStart + " 65536") << inspect.out;
  EXPECT_EQ(field(inspect.out, "gid_map"), "0 " + gidStart + " 65536") << inspect.out;
  Ran map = agent.ctl("exec ranged -- cat /proc/self/uid_map");
  EXPECT_EQ(words(map.out), "0 " + uidStart + " 65536") << map.out;
  Ran owners = agent.ctl("run --rm --userns auto busybox -- stat -c %u:%g /bin/busybox");
  EXPECT_EQ(owners.exitCode, 0) << owners.out;
  EXPECT_EQ(owners.out, "0:0\n");
  // Without --userns: default_userns (host), as before.
  Ran host = agent.ctl("run --rm busybox -- cat /proc/self/uid_map");
  EXPECT_EQ(words(host.out), "0 0 4294967295") << host.out;
  EXPECT_EQ(field(agent.ctl("inspect ranged").out, "mode"), "auto");
  Ran bad = agent.ctl("run --userns keep-id busybox -- true");
  EXPECT_EQ(bad.exitCode, 2) << bad.out;
  EXPECT_NE(bad.out.find("--userns"), std::string::npos) << bad.out;
  EXPECT_EQ(agent.ctl("rm -f ranged").exitCode, 0);
}

TEST(UserNamespaceE2E, DefaultUsernsAutoInTheConfigAppliesToARunThatDoesNotSay) {
  Agent agent("default_userns: auto\n");
  Ran map = agent.ctl("run --rm busybox -- cat /proc/self/uid_map");
  EXPECT_EQ(words(map.out), "0 " + firstRangeStart("/etc/subuid", "agent") + " 65536") << map.out << agent.log();
  Ran host = agent.ctl("run --rm --userns host busybox -- cat /proc/self/uid_map");
  EXPECT_EQ(words(host.out), "0 0 4294967295") << host.out;
}
