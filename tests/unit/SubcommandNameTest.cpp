// Which subcommand an agentctl command line names (agentctl builds only that one): global
// options and their values before it, options of its own after it, nothing after `--`.
#include "SubcommandName.h"

#include <gtest/gtest.h>

namespace agent::ctl {
namespace {

const std::vector<std::string> kNames{"run", "ps", "image", "policy"};
const std::vector<std::string> kWithValue{"--output", "--api", "--token-file", "--state-dir"};

std::string named(std::vector<const char*> argv) {
  argv.insert(argv.begin(), "agentctl");
  return subcommandNamed(static_cast<int>(argv.size()), argv.data(), kNames, kWithValue);
}

TEST(SubcommandName, TheFirstNameAfterTheGlobalOptions) {
  EXPECT_EQ(named({"ps"}), "ps");
  EXPECT_EQ(named({"--state-dir", "/run/x", "run", "--rm", "busybox"}), "run");
  EXPECT_EQ(named({"--output=json", "ps", "-a"}), "ps");
  EXPECT_EQ(named({"run", "--name", "ps", "busybox", "--", "/bin/true"}), "run");
  EXPECT_EQ(named({"image", "ls"}), "image");
}

TEST(SubcommandName, AGlobalOptionsValueIsNeverTheCommand) {
  EXPECT_EQ(named({"--state-dir", "run", "ps"}), "ps");
  EXPECT_EQ(named({"--output", "ps"}), "");
}

TEST(SubcommandName, NoneHelpOrAnUnknownWordNameNothing) {
  EXPECT_EQ(named({}), "");
  EXPECT_EQ(named({"--help"}), "");
  EXPECT_EQ(named({"runn", "busybox"}), "");
  EXPECT_EQ(named({"--", "run"}), "");
}

}  // namespace
}  // namespace agent::ctl
