// container_fs_usage_bytes for an agent container's writable layer, end to end: what the
// container writes into its root shows on /metrics within the configured interval, and the
// series goes with the container.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include "E2ESupport.h"
#include "HttpClient.h"

using namespace e2e;

namespace {

// The value of the first series of `metric` whose labels hold `label`; nothing when none.
std::optional<double> seriesValue(const std::string& text, const std::string& metric, const std::string& label,
                                  std::string* line = nullptr) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l.rfind(metric + "{", 0) != 0 || l.find(label) == std::string::npos) continue;
    if (line) *line = l;
    return std::stod(l.substr(l.rfind(' ') + 1));
  }
  return std::nullopt;
}

}  // namespace

TEST(FsUsageE2E, TenMebibytesWrittenIntoTheRootShowOnMetricsAndGoWithTheContainer) {
  Agent agent("fs_usage_interval: 1\n");
  ASSERT_EQ(agent
                .ctl("run -d --name writer busybox -- sh -c 'dd if=/dev/zero of=/big bs=1M count=10 && sync; "
                     "sleep 600'")
                .exitCode,
            0);
  const double tenMiB = 10.0 * 1024 * 1024;
  std::string text, line;
  std::optional<double> usage;
  auto until = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < until) {
    text = scrape(agent.metricsUrl());
    usage = seriesValue(text, "container_fs_usage_bytes", "name=\"writer\"", &line);
    if (usage && *usage >= tenMiB) break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(usage) << "no container_fs_usage_bytes for writer\n" << text << agent.log();
  std::cout << "[ INFO     ] " << line << "\n";
  EXPECT_GE(*usage, tenMiB) << line;
  EXPECT_LT(*usage, tenMiB + 1024 * 1024) << "only what it wrote, not the image below: " << line;
  EXPECT_NE(line.find("image=\"busybox\""), std::string::npos) << line;
  EXPECT_NE(line.find("device=\""), std::string::npos) << line;
  EXPECT_EQ(line.find("device=\"\""), std::string::npos) << line;
  auto limit = seriesValue(text, "container_fs_limit_bytes", "name=\"writer\"");
  ASSERT_TRUE(limit) << text;
  EXPECT_GE(*limit, *usage) << "the filesystem's capacity";

  // Removed: its series go.
  ASSERT_EQ(agent.ctl("rm -f writer").exitCode, 0);
  until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until &&
         seriesValue(text = scrape(agent.metricsUrl()), "container_fs_usage_bytes", "name=\"writer\""))
    std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(seriesValue(text, "container_fs_usage_bytes", "name=\"writer\"")) << text;
  EXPECT_FALSE(seriesValue(text, "container_fs_limit_bytes", "name=\"writer\"")) << text;
}
