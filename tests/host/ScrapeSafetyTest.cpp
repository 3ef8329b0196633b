// Cgroups named with any bytes the kernel allows (all but '/', NUL and newline) on this
// kernel: each is exported, under a label value of its own, and the whole scrape stays valid
// (promtool has nothing to say; Prometheus refuses a whole scrape for one bad line).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "Collector.h"
#include "HostTestSupport.h"
#include "MetricsRenderer.h"
#include "TextFormatValidator.h"

using namespace agent;
using namespace agent::hosttest;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

struct Odd {
  std::string name;     // the directory's name, as bytes
  std::string escaped;  // as it shows in the `id` label, in the text format
};

const std::vector<Odd>& oddNames() {
  static const std::vector<Odd> odd = {
      {"bad\xFF\xFE", "bad" + kFffd + "FF" + kFffd + "FE"},
      {"bad\xFF", "bad" + kFffd + "FF"},
      {"bad" + kFffd + "FF", "bad" + kFffd + kFffd + "FF"},  // not the same group as the one above
      {"quote\"d", "quote\\\"d"},
      {"back\\slash", "back\\\\slash"},
      {"tab\there", "tab\there"},
      {"cr\rhere", "cr\rhere"},
      {"with spaces", "with spaces"},
      {"emoji\xF0\x9F\x98\x80", "emoji\xF0\x9F\x98\x80"},
      {"cut\xE2\x82", "cut" + kFffd + "E2" + kFffd + "82"},
  };
  return odd;
}

std::pair<int, std::string> run(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  std::string out;
  char chunk[4096];
  while (size_t n = std::fread(chunk, 1, sizeof chunk, pipe)) out.append(chunk, n);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

TEST(ScrapeSafety, CgroupsNamedWithAnyBytesAreEachExportedAndTheScrapeStaysValid) {
  TestParent parent;
  std::vector<cgroup::Cgroup> groups;
  for (const auto& odd : oddNames()) groups.push_back(parent.child(odd.name));

  collectors::CollectorConfig config;
  config.agentParent = parent.path() + "/agent";
  config.exportMode = collectors::ExportMode::All;
  collectors::Collector collector(HostEnvironment::hierarchy(), config);
  auto snapshot = collector.collect({});
  std::string text = collectors::renderMetrics(*snapshot, {"test", {}});

  for (const auto& odd : oddNames()) {
    EXPECT_NE(text.find("container_last_seen{id=\"" + parent.path() + "/" + odd.escaped + "\","), std::string::npos)
        << "not exported: " << odd.escaped;
  }
  EXPECT_EQ(agent::testing::textFormatProblem(text), "");
  auto file = std::filesystem::temp_directory_path() / ("agent-test-scrape-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(file, std::ios::binary) << text;
  auto [code, said] = run("promtool check metrics < " + file.string());
  std::filesystem::remove(file);
  EXPECT_EQ(code, 0) << said;
  EXPECT_EQ(said, "") << said;
}
