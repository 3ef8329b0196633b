// A hand-made Snapshot rendered as the Prometheus text format: cAdvisor's names, labels and
// units, the allow-list for container labels, the root's machine totals.
#include "MetricsRenderer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "TextFormatValidator.h"

namespace agent::collectors {
namespace {

Snapshot example() {
  Snapshot s;
  s.takenAtUnixMs = 1'700'000'000'500;
  s.cgroupMode = "hybrid";
  s.machineCpuCores = 2;
  s.machineMemoryBytes = 8ull << 30;
  s.cgroupsOnHost = 42;
  s.durationBounds = {0.01, 0.1};
  s.durationCounts = {3, 1, 0};
  s.durationSum = 0.05;

  CgroupSample root;
  root.path = "/";
  root.classification = {Runtime::Root, "", "/"};
  root.name = "/";
  root.stats.cpu.usageNs = 9'000'000'000;
  s.cgroups.push_back(root);

  CgroupSample web;
  web.path = "/agent/5f163af13c16efe8d868d2fc6ee9b570";
  web.classification = {Runtime::Agent, "5f163af13c16efe8d868d2fc6ee9b570", "5f163af13c16"};
  web.name = "web-1";
  web.image = "busybox";
  web.labels = {{"tier", "web"}, {"secret", "x"}};
  web.agentState = "running";
  web.stats.cpu.usageNs = 1'500'000'000;
  web.stats.cpu.throttledNs = 250'000'000;
  web.stats.memory.usageBytes = 4096;
  web.stats.memory.workingSetBytes = 1024;
  web.stats.memory.oomKills = 2;
  web.stats.pids.current = 3;
  web.stats.pids.max = cgroup::Bound::of(100);
  web.stats.io.push_back({8, 0, 512, 1024, 1, 2});
  web.stats.io.push_back({9, 9, 7, 0, 1, 0});  // a device sysfs did not name
  web.stats.memoryPressure = cgroup::PressureStats{1'500'000, 500'000};
  web.limits.cpu = cgroup::CpuQuota{cgroup::Bound::of(50000), 100000};
  web.limits.memoryMax = cgroup::Bound::unlimited();
  web.freezer = cgroup::FreezerState::Frozen;
  web.processes = 2;
  web.namespaces = {{"net", 4026532000}, {"pid_for_children", 4026532001}};
  web.network = {{"lo", 10, 1, 0, 0, 20, 2, 0, 0}};
  web.startTimeSeconds = 1'699'999'000;
  s.cgroups.push_back(web);
  s.blockDevices = {{{8, 0}, "/dev/sda"}};
  s.agentContainers = std::make_shared<std::map<std::string, AgentContainerInfo>>(
      std::map<std::string, AgentContainerInfo>{{"5f163af13c16efe8d868d2fc6ee9b570",
                                                 {.name = "web-1",
                                                  .image = "busybox",
                                                  .state = "running",
                                                  .cgroupPath = "/agent/5f163af13c16efe8d868d2fc6ee9b570"}}});
  return s;
}

std::string text(const Snapshot& s, std::vector<std::string> allow = {"tier"}) {
  return renderMetrics(s, {"0.1.0", std::move(allow)});
}

TEST(MetricsRenderer, UsesCadvisorNamesLabelsAndUnits) {
  std::string out = text(example());
  const std::string web =
      "id=\"/agent/5f163af13c16efe8d868d2fc6ee9b570\",name=\"web-1\",image=\"busybox\",container_label_tier=\"web\"";
  for (const std::string& line : std::vector<std::string>{
           "container_cpu_usage_seconds_total{" + web + ",cpu=\"total\"} 1.5",
           "container_cpu_cfs_throttled_seconds_total{" + web + "} 0.25",
           "container_memory_usage_bytes{" + web + "} 4096",
           "container_memory_working_set_bytes{" + web + "} 1024",
           "container_oom_events_total{" + web + "} 2",
           "container_threads{" + web + "} 3",
           "container_threads_max{" + web + "} 100",
           "container_processes{" + web + "} 2",
           "container_fs_reads_bytes_total{" + web + ",device=\"/dev/sda\"} 512",
           "container_fs_reads_bytes_total{" + web + ",device=\"9:9\"} 7",
           "container_network_transmit_bytes_total{" + web + ",interface=\"lo\"} 20",
           "container_pressure_memory_waiting_seconds_total{" + web + "} 1.5",
           "container_pressure_memory_stalled_seconds_total{" + web + "} 0.5",
           "container_spec_cpu_quota{" + web + "} 50000",
           "container_spec_cpu_period{" + web + "} 100000",
           "container_spec_memory_limit_bytes{" + web + "} 0",
           "container_start_time_seconds{" + web + "} 1699999000",
           "container_last_seen{" + web + "} 1700000000.5",
           "agent_container_state{id=\"/agent/5f163af13c16efe8d868d2fc6ee9b570\",name=\"web-1\",state=\"running\"} 1",
           "agent_container_frozen{id=\"/agent/5f163af13c16efe8d868d2fc6ee9b570\",name=\"web-1\"} 1",
           "agent_container_namespace{id=\"/agent/5f163af13c16efe8d868d2fc6ee9b570\",name=\"web-1\",type=\"net\","
           "inode=\"4026532000\"} 1",
           "container_cpu_usage_seconds_total{id=\"/\",name=\"/\",image=\"\",container_label_tier=\"\",cpu=\"total\"} "
           "9",
           "machine_cpu_cores 2",
           "machine_memory_bytes 8589934592",
           "agent_build_info{version=\"0.1.0\",cgroup_mode=\"hybrid\"} 1",
           "agent_cgroups 42",
           "agent_collection_duration_seconds_bucket{le=\"0.01\"} 3",
           "agent_collection_duration_seconds_bucket{le=\"+Inf\"} 4",
           "agent_collection_duration_seconds_count 4",
           "# TYPE container_cpu_usage_seconds_total counter",
           "# TYPE container_memory_usage_bytes gauge",
       }) {
    EXPECT_NE(out.find(line + "\n"), std::string::npos) << "missing: " << line << "\n" << out;
  }
  // Not allow-listed: never exported. The children namespace links are not the container's.
  EXPECT_EQ(out.find("secret"), std::string::npos);
  EXPECT_EQ(out.find("pid_for_children"), std::string::npos);
  // Limits and processes are a container's, not the machine's.
  EXPECT_EQ(out.find("container_processes{id=\"/\""), std::string::npos);
}

TEST(MetricsRenderer, UnknownValuesAreLeftOutNotZero) {
  Snapshot s;
  CgroupSample bare;
  bare.path = "/docker/x";
  bare.classification = {Runtime::Docker, "x", "x"};
  bare.name = "x";
  s.cgroups.push_back(bare);
  std::string out = text(s, {});
  EXPECT_EQ(out.find("container_cpu_usage_seconds_total"), std::string::npos) << out;
  EXPECT_EQ(out.find("container_memory_usage_bytes"), std::string::npos) << out;
  EXPECT_NE(out.find("container_last_seen{id=\"/docker/x\",name=\"x\",image=\"\"}"), std::string::npos) << out;
}

TEST(MetricsRenderer, AStoppedContainerKeepsItsStateAfterItsCgroupIsGone) {
  // Its cgroup was removed when it stopped: no sample, no container_* series; its state is
  // the agent's, not the cgroup's.
  Snapshot s = example();
  auto containers = std::make_shared<std::map<std::string, AgentContainerInfo>>(*s.agentContainers);
  (*containers)["0ld0ld0ld0ld0ld0ld0ld0ld0ld0ld00"] = {.name = "batch-1",
                                                       .image = "busybox",
                                                       .state = "stopped",
                                                       .cgroupPath = "/agent/0ld0ld0ld0ld0ld0ld0ld0ld0ld0ld00"};
  s.agentContainers = containers;
  std::string out = text(s);
  EXPECT_NE(out.find("agent_container_state{id=\"/agent/0ld0ld0ld0ld0ld0ld0ld0ld0ld0ld00\",name=\"batch-1\","
                     "state=\"stopped\"} 1\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("container_last_seen{id=\"/agent/0ld0ld0ld0ld0ld0ld0ld0ld0ld0ld00\""), std::string::npos) << out;
  // One # TYPE line for the family, whatever the number of containers.
  size_t first = out.find("# TYPE agent_container_state gauge");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(out.find("# TYPE agent_container_state gauge", first + 1), std::string::npos);
}

TEST(MetricsRenderer, LabelKeysBecomeValidPrometheusNames) {
  EXPECT_EQ(labelName("tier"), "container_label_tier");
  EXPECT_EQ(labelName("com.example/team-name"), "container_label_com_example_team_name");
}

// What promtool says about `text` (its exit code and output); "" and 0 when it has nothing.
std::pair<int, std::string> promtool(const std::string& text) {
  auto file = std::filesystem::temp_directory_path() / ("agent-test-render-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(file, std::ios::binary) << text;
  FILE* pipe = ::popen(("promtool check metrics < " + file.string() + " 2>&1").c_str(), "r");
  std::string out;
  char chunk[4096];
  while (size_t n = std::fread(chunk, 1, sizeof chunk, pipe)) out.append(chunk, n);
  int status = ::pclose(pipe);
  std::filesystem::remove(file);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// A cgroup may be named with any byte but '/' and NUL; names, images, label values and
// interface names come from elsewhere and may be as odd. One invalid byte in one label value
// makes Prometheus refuse the whole scrape, so every value is valid UTF-8 and escaped.
TEST(MetricsRenderer, OddBytesInEveryLabelValueGiveValidText) {
  const std::vector<std::string> odd = {"bad\xFF\xFE",
                                        "quote\"d",
                                        "back\\slash",
                                        "tab\there",
                                        "cr\rhere",
                                        "with spaces",
                                        "emoji\xF0\x9F\x98\x80",
                                        "new\nline",
                                        "cut\xE2\x82",
                                        "\xEF\xBF\xBD"
                                        "FF"};
  Snapshot s = example();
  s.cgroupMode =
      "hy\xFF"
      "brid";
  s.blockDevices[{9, 9}] =
      "/dev/\xFF"
      "disk\"";
  for (size_t i = 0; i < odd.size(); ++i) {
    CgroupSample c = s.cgroups[1];
    c.path = "/odd/" + odd[i];
    c.name = odd[i];
    c.image = odd[i];
    c.labels = {{"tier", odd[i]}};
    c.agentState = odd[i];
    c.network = {{"eth\xFF" + std::to_string(i), 1, 1, 0, 0, 1, 1, 0, 0}};
    c.namespaces = {{"net\xFF", 1}};
    s.cgroups.push_back(c);
  }
  std::string out = renderMetrics(s, {"0.1\xFF", {"tier"}});
  EXPECT_EQ(agent::testing::textFormatProblem(out), "");
  auto [code, said] = promtool(out);
  EXPECT_EQ(code, 0) << said;
  EXPECT_EQ(said, "") << said;
  // Every odd group is there, under a value of its own.
  const std::string fffd = "\xEF\xBF\xBD";
  for (const std::string& id :
       {"/odd/bad" + fffd + "FF" + fffd + "FE", std::string("/odd/quote\\\"d"), std::string("/odd/back\\\\slash"),
        std::string("/odd/tab\there"), std::string("/odd/cr\rhere"), std::string("/odd/with spaces"),
        std::string("/odd/emoji\xF0\x9F\x98\x80"), std::string("/odd/new\\nline"),
        "/odd/cut" + fffd + "E2" + fffd + "82", "/odd/" + fffd + fffd + "FF"}) {
    EXPECT_NE(out.find("container_last_seen{id=\"" + id + "\","), std::string::npos) << id << "\n" << out;
  }
}

// Keys that give one label name are exported once, under the first key (agentd's config
// refuses such lists; this is the renderer's own guard against a duplicate label name).
TEST(MetricsRenderer, AllowListedKeysWithOneLabelNameGiveOneLabel) {
  Snapshot s = example();
  s.cgroups[1].labels = {{"app.kubernetes.io/name", "dotted"}, {"app_kubernetes_io_name", "underscored"}};
  std::string out =
      renderMetrics(s, {"0.1.0", {"app.kubernetes.io/name", "app_kubernetes_io_name", "app.kubernetes.io/name", ""}});
  EXPECT_EQ(agent::testing::textFormatProblem(out), "");
  EXPECT_NE(out.find("image=\"busybox\",container_label_app_kubernetes_io_name=\"dotted\",container_label_=\"\"}"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("underscored"), std::string::npos);
  auto [code, said] = promtool(out);
  EXPECT_EQ(code, 0) << said;
}

TEST(MetricsRenderer, StandbyContainersHaveTheirOwnGauge) {
  Snapshot s = example();
  s.standbyContainers = 3;
  std::string out = text(s);
  EXPECT_NE(out.find("\nagent_standby_containers 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nagent_cgroups 42\n"), std::string::npos);
}

TEST(MetricsRenderer, TheRenderedExampleIsValidText) {
  EXPECT_EQ(agent::testing::textFormatProblem(text(example())), "");
}

}  // namespace
}  // namespace agent::collectors
