// agentd's config file: the collection keys, and errors that say where and what is accepted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <yaml-cpp/yaml.h>

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

TEST(AgentConfig, FsUsageIntervalIsSecondsOrZeroForOff) {
  for (const auto& [text, want] : std::vector<std::pair<std::string, double>>{{"5", 5.0}, {"0", 0.0}, {"0.5", 0.5}}) {
    ConfigFile file("fs_usage_interval: " + text + "\n");
    AgentConfig config;
    auto r = loadConfigFile(file.path, true, config);
    ASSERT_TRUE(r) << text << ": " << r.error().message();
    EXPECT_EQ(config.fsUsageIntervalSeconds, want);
  }
  for (const char* bad : {"-1", "0.01", "100000"}) {
    ConfigFile file(std::string("log_level: info\nfs_usage_interval: ") + bad + "\n");
    AgentConfig config;
    auto r = loadConfigFile(file.path, true, config);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("`fs_usage_interval` is in seconds"), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find(file.path + ":2:"), std::string::npos) << r.error().message();
    EXPECT_EQ(config.fsUsageIntervalSeconds, 60.0) << "a rejected value is not kept";
  }
}

// container_labels whose keys give one label name would put two labels of one name on every
// container series: promtool says "duplicate label names" and Prometheus refuses the whole
// scrape. Refused at load, at the later key's position, naming both.
TEST(AgentConfig, ContainerLabelKeysThatGiveOneLabelNameAreRefusedWithTheirPositions) {
  struct Case {
    std::string yaml;
    std::string where;  // line:column of the refused key
    std::vector<std::string> says;
  };
  for (const auto& c : std::vector<Case>{
           {"container_labels:\n  - app.kubernetes.io/name\n  - app_kubernetes_io_name\n",
            ":3:5",
            {"app_kubernetes_io_name", "app.kubernetes.io/name", "(line 2)", "container_label_app_kubernetes_io_name"}},
           {"container_labels: [tier, team, tier]\n", ":1:32", {"`tier` is listed twice", "line 1"}},
           {"container_labels: [\"a-b\", \"a b\"]\n", ":1:27", {"`a b` and `a-b`", "container_label_a_b"}},
           {"container_labels: [\"\"]\n", ":1:20", {"empty key"}},
           {"container_labels: [{a: b}]\n", ":1:20", {"list of label keys"}},
       }) {
    ConfigFile file(c.yaml);
    AgentConfig config;
    config.containerLabels = {"kept"};
    auto r = loadConfigFile(file.path, true, config);
    ASSERT_FALSE(r) << c.yaml;
    std::string message = r.error().message();
    EXPECT_EQ(message.rfind(file.path + c.where + ": ", 0), 0u) << c.yaml << message;
    EXPECT_EQ(message.find("Invalid argument"), std::string::npos) << message;
    for (const auto& part : c.says) EXPECT_NE(message.find(part), std::string::npos) << part << " in " << message;
    EXPECT_EQ(config.containerLabels, std::vector<std::string>{"kept"}) << "a refused list is not kept";
  }
}

TEST(AgentConfig, ContainerLabelKeysWithDistinctLabelNamesAreKept) {
  ConfigFile file("container_labels: [tier, app.kubernetes.io/name, Tier, \"team\"]\n");
  AgentConfig config;
  auto r = loadConfigFile(file.path, true, config);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(config.containerLabels, (std::vector<std::string>{"tier", "app.kubernetes.io/name", "Tier", "team"}));
}

// agent/agent.yaml is the sample a newcomer copies: it must load with agentd's own loader, set
// every key the loader reads, and set each to the default agentd has without it (so what the
// sample says is what agentd does). A key added to the loader and not to the sample fails here.
TEST(AgentConfig, TheSampleHoldsEveryKeyAtItsDefault) {
  const std::string sample = AGENT_SAMPLE_CONFIG;
  AgentConfig loaded;
  loaded.configFile = sample;
  auto r = loadConfigFile(sample, true, loaded);
  ASSERT_TRUE(r) << r.error().message();
  AgentConfig defaults;
  defaults.configFile = sample;
  EXPECT_TRUE(loaded == defaults) << "a value in " << sample << " differs from agentd's default (AgentConfig.h)";

  YAML::Node root = YAML::LoadFile(sample);
  for (std::string_view key : configKeys()) {
    EXPECT_TRUE(root[std::string(key)]) << sample << " lacks the key `" << key << "`";
  }
  EXPECT_EQ(root.size(), configKeys().size());
}

// The package's /etc/agent/agent.yaml (cmake/Install.cmake makes it from the sample): all
// comments, so agentd's defaults apply, and each setting of the sample is there to uncomment.
TEST(AgentConfig, ThePackagedConfigIsTheSampleCommentedOut) {
  const std::string packaged = AGENT_PACKAGED_CONFIG;
  AgentConfig loaded;
  auto r = loadConfigFile(packaged, true, loaded);
  ASSERT_TRUE(r) << r.error().message();
  AgentConfig defaults;
  EXPECT_TRUE(loaded == defaults) << packaged << " sets something: it should only hold comments";
  std::ifstream in(packaged);
  std::string uncommented;
  for (std::string line; std::getline(in, line);) {
    if (line.size() > 1 && line[0] == '#' && line[1] != ' ') uncommented += line.substr(1) + "\n";
  }
  YAML::Node root = YAML::Load(uncommented);
  for (std::string_view key : configKeys()) {
    EXPECT_TRUE(root[std::string(key)]) << packaged << " lacks the key `" << key << "` to uncomment";
  }
}

TEST(AgentConfig, AnUnknownKeyIsRefusedWhereItIs) {
  ConfigFile file("log_level: info\ncpus: 2\n");
  AgentConfig config;
  auto r = loadConfigFile(file.path, true, config);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find(file.path + ":2:1"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("unknown key `cpus`"), std::string::npos) << r.error().message();
}

TEST(AgentConfig, MetricsAllowKeepsWellFormedNetworks) {
  ConfigFile file("metrics_allow: [10.0.0.0/8, 127.0.0.1/32, \"fd00::/8\", 192.168.1.7]\n");
  AgentConfig config;
  ASSERT_TRUE(loadConfigFile(file.path, true, config));
  EXPECT_EQ(config.metricsAllow, (std::vector<std::string>{"10.0.0.0/8", "127.0.0.1/32", "fd00::/8", "192.168.1.7"}));
}

TEST(AgentConfig, AMalformedMetricsAllowNetworkIsRefusedWhereItIs) {
  for (std::string bad : {"10.0.0.0/33", "10.1.2.3/8", "example.org/24", "10.0.0.0/", "::1/129", "10.0.0.0/8x"}) {
    ConfigFile file("metrics_allow:\n  - 127.0.0.1/32\n  - \"" + bad + "\"\n");
    AgentConfig config;
    auto r = loadConfigFile(file.path, true, config);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find(file.path + ":3:5"), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find("`" + bad + "` is not a network"), std::string::npos) << r.error().message();
  }
  ConfigFile scalar("metrics_allow: 10.0.0.0/8\n");
  AgentConfig config;
  auto r = loadConfigFile(scalar.path, true, config);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("is a list of networks"), std::string::npos) << r.error().message();
}

TEST(AgentConfig, ReadsTheNetworkKeys) {
  ConfigFile file(
      "default_network: bridge\nbridge_name: agt0\nbridge_subnet: 10.213.0.0/24\ndns_fallback: [9.9.9.9]\n"
      "nat_table: agent_test\n");
  AgentConfig config;
  ASSERT_TRUE(loadConfigFile(file.path, true, config));
  EXPECT_EQ(config.network.defaultNetwork, "bridge");
  EXPECT_EQ(config.network.bridgeName, "agt0");
  EXPECT_EQ(config.network.bridgeSubnet, "10.213.0.0/24");
  EXPECT_TRUE(config.network.bridgeSubnetGiven);
  EXPECT_EQ(config.network.dnsFallback, std::vector<std::string>{"9.9.9.9"});
  EXPECT_EQ(config.network.natTable, "agent_test");
  AgentConfig defaults;
  EXPECT_FALSE(defaults.network.bridgeSubnetGiven);
}

TEST(AgentConfig, BadNetworkValuesAreRefusedNamingTheKeyAndWhere) {
  for (const auto& [line, key] :
       std::vector<std::pair<std::string, std::string>>{{"default_network: overlay", "default_network"},
                                                        {"bridge_name: a-name-much-too-long", "bridge_name"},
                                                        {"bridge_name: \"br 0\"", "bridge_name"},
                                                        {"bridge_subnet: 10.0.0.0", "bridge_subnet"},
                                                        {"bridge_subnet: 10.0.0.0/30", "bridge_subnet"},
                                                        {"bridge_subnet: fd00::/64", "bridge_subnet"},
                                                        {"dns_fallback: [127.0.0.53]", "dns_fallback"},
                                                        {"dns_fallback: 8.8.8.8", "dns_fallback"},
                                                        {"nat_table: \"my table\"", "nat_table"}}) {
    ConfigFile file("log_level: info\n" + line + "\n");
    AgentConfig config;
    auto r = loadConfigFile(file.path, true, config);
    ASSERT_FALSE(r) << line;
    EXPECT_NE(r.error().message().find(key), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find(file.path + ":2:"), std::string::npos) << r.error().message();
    EXPECT_EQ(config.network, AgentConfig().network) << "a refused value is not kept: " << line;
  }
}
