// agentd's config file: the collection keys, and errors that say where and what is accepted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "AgentConfig.h"

using namespace agent;

namespace {

struct ConfigFile {
  std::string path;
  explicit ConfigFile(const std::string& text) {
    path = (std::filesystem::temp_directory_path() / ("agent-test-config-" + std::to_string(::getpid()) + ".yaml"));
    std::ofstream(path) << text;
  }
  ~ConfigFile() { std::filesystem::remove(path); }
};

}  // namespace

TEST(AgentConfig, ReadsTheCollectionKeys) {
  ConfigFile file(
      "collect_interval: 2\nidle_refresh: 30\nmax_staleness: 5\nexport: all\nmax_depth: 4\nignore_cgroups: "
      "[\"/user.slice*\"]\n");
  AgentConfig config;
  ASSERT_TRUE(loadConfigFile(file.path, true, config));
  EXPECT_EQ(config.collectIntervalSeconds, 2.0);
  EXPECT_EQ(config.idleRefreshSeconds, 30.0);
  EXPECT_EQ(config.maxStalenessSeconds, 5.0);
  EXPECT_EQ(config.exportMode, "all");
  EXPECT_EQ(config.maxDepth, 4u);
  EXPECT_EQ(config.ignoreCgroups, std::vector<std::string>{"/user.slice*"});
}

TEST(AgentConfig, DefaultsStayWhereTheFileIsSilent) {
  ConfigFile file("log_level: debug\n");
  AgentConfig config;
  ASSERT_TRUE(loadConfigFile(file.path, true, config));
  EXPECT_EQ(config.collectIntervalSeconds, 1.0);
  EXPECT_EQ(config.idleRefreshSeconds, 10.0);
}

TEST(AgentConfig, AnOutOfRangeIdleRefreshNamesTheKeyAndWhere) {
  ConfigFile file("collect_interval: 1\nidle_refresh: -5\n");
  AgentConfig config;
  auto r = loadConfigFile(file.path, true, config);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("idle_refresh"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find(file.path + ":2:"), std::string::npos) << r.error().message();
  EXPECT_EQ(config.idleRefreshSeconds, 10.0) << "a rejected value is not kept";
}
