// The `engines:` section of agentd's config: defaults, what it reads, what it refuses (with
// file:line:column, as every config error).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "AgentConfig.h"

namespace agent {
namespace {

struct EnginesFile {
  std::string path;
  explicit EnginesFile(const std::string& text) {
    path = std::filesystem::temp_directory_path() / ("agent-test-engines-" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(path) << text;
  }
  ~EnginesFile() { std::filesystem::remove(path); }
};

TEST(EnginesConfig, DockerIsAskedAtItsDefaultSocketWhenItExists) {
  AgentConfig config;
  EXPECT_EQ(config.engines.docker.socket, "/var/run/docker.sock");
  EXPECT_EQ(config.engines.docker.use, EngineUse::Auto);
}

TEST(EnginesConfig, ReadsSocketAndEnabled) {
  for (const auto& [text, use] : std::vector<std::pair<std::string, EngineUse>>{
           {"engines: {docker: {socket: /tmp/d/docker.sock, enabled: true}}\n", EngineUse::On},
           {"engines:\n  docker:\n    socket: /tmp/d/docker.sock\n    enabled: false\n", EngineUse::Off},
           {"engines: {docker: {socket: /tmp/d/docker.sock, enabled: auto}}\n", EngineUse::Auto}}) {
    EnginesFile file(text);
    AgentConfig config;
    auto r = loadConfigFile(file.path, true, config);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(config.engines.docker.socket, "/tmp/d/docker.sock");
    EXPECT_EQ(config.engines.docker.use, use) << text;
  }
  EnginesFile onlyEnabled("engines: {docker: {enabled: false}}\n");
  AgentConfig config;
  ASSERT_TRUE(loadConfigFile(onlyEnabled.path, true, config));
  EXPECT_EQ(config.engines.docker.socket, "/var/run/docker.sock");  // kept
  EXPECT_EQ(config.engines.docker.use, EngineUse::Off);
}

TEST(EnginesConfig, MistakesAreRefusedWhereTheyAre) {
  struct Case {
    std::string text;
    std::string where;
    std::string says;
  };
  for (const auto& c : std::vector<Case>{
           {"engines: {dockr: {enabled: true}}\n", ":1:11", "unknown engine `dockr` in `engines`; known: docker"},
           {"engines: {docker: {enabled: yes}}\n", ":1:29",
            "`engines.docker.enabled` is auto (when the socket exists), true or false"},
           {"engines: {docker: {socket: docker.sock}}\n", ":1:28", "`engines.docker.socket` is the absolute path"},
           {"engines: {docker: {sockets: /x}}\n", ":1:20", "unknown key `sockets` in `engines.docker`"},
           {"engines: [docker]\n", ":1:10", "`engines` is a mapping"},
           {"engines: {docker: /x.sock}\n", ":1:19", "`engines.docker` is a mapping"},
       }) {
    EnginesFile file(c.text);
    AgentConfig config;
    auto r = loadConfigFile(file.path, true, config);
    ASSERT_FALSE(r) << c.text;
    EXPECT_NE(r.error().message().find(file.path + c.where), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find(c.says), std::string::npos) << r.error().message();
  }
}

}  // namespace
}  // namespace agent
