// What `agentctl stats` prints: docker's units (MiB/GiB for memory, kB/MB for I/O), two
// decimals for percentages, "--" for what is not known, a RUNTIME column on request.
#include "StatsTable.h"

#include <gtest/gtest.h>

namespace agent::ctl {
namespace {

using nlohmann::json;

TEST(StatsTable, BinarySizesAsDockersMemoryColumn) {
  EXPECT_EQ(binarySize(0), "0B");
  EXPECT_EQ(binarySize(1023), "1023B");
  EXPECT_EQ(binarySize(1024), "1KiB");
  EXPECT_EQ(binarySize(1536), "1.5KiB");
  EXPECT_EQ(binarySize(6 << 20), "6MiB");
  EXPECT_EQ(binarySize(524288 + (1 << 20)), "1.5MiB");
  EXPECT_EQ(binarySize(7'654'321), "7.3MiB");
  EXPECT_EQ(binarySize(8ull << 30), "8GiB");
  EXPECT_EQ(binarySize(8'200'000'000ull), "7.637GiB");
  EXPECT_EQ(binarySize(3ull << 40), "3TiB");
}

TEST(StatsTable, DecimalSizesAsDockersIoColumns) {
  EXPECT_EQ(decimalSize(0), "0B");
  EXPECT_EQ(decimalSize(656), "656B");
  EXPECT_EQ(decimalSize(1000), "1kB");
  EXPECT_EQ(decimalSize(1234), "1.23kB");
  EXPECT_EQ(decimalSize(12'345'678), "12.3MB");
  EXPECT_EQ(decimalSize(4'100'000'000ull), "4.1GB");
  // %g's own rounding, as Go's: three digits of 999.5 kB read 1e+03kB in docker too.
  EXPECT_EQ(decimalSize(999'500), "1e+03kB");
}

TEST(StatsTable, PercentWithTwoDecimalsOrDashes) {
  EXPECT_EQ(percent(json(50.0)), "50.00%");
  EXPECT_EQ(percent(json(0.123)), "0.12%");
  EXPECT_EQ(percent(json(149.996)), "150.00%");
  EXPECT_EQ(percent(json(nullptr)), "--");
  EXPECT_EQ(percent(json()), "--");
}

TEST(StatsTable, RowsAsDockerShowsThemPlusLimitsThrottlingAndState) {
  json rows = json::array();
  rows.push_back({{"id", std::string(32, 'a')},
                  {"name", "web"},
                  {"runtime", "agent"},
                  {"cgroup", "/agent/" + std::string(32, 'a')},
                  {"state", "running"},
                  {"cpu_percent", 49.87},
                  {"memory_usage_bytes", 6 << 20},
                  {"memory_limit_bytes", 24 << 20},
                  {"memory_percent", 25.0},
                  {"pids", 3},
                  {"pids_limit", nullptr},
                  {"throttled_percent", 100.0},
                  {"net_rx_bytes", 1500},
                  {"net_tx_bytes", 0},
                  {"block_read_bytes", 4096},
                  {"block_write_bytes", 12'345'678}});
  rows.push_back({{"id", "b0" + std::string(30, 'b')},
                  {"name", "old"},
                  {"runtime", "agent"},
                  {"cgroup", ""},
                  {"state", "stopped"},
                  {"cpu_percent", nullptr},
                  {"memory_usage_bytes", nullptr},
                  {"memory_limit_bytes", nullptr},
                  {"memory_percent", nullptr},
                  {"pids", nullptr},
                  {"pids_limit", nullptr},
                  {"throttled_percent", nullptr},
                  {"net_rx_bytes", 0},
                  {"net_tx_bytes", 0},
                  {"block_read_bytes", 0},
                  {"block_write_bytes", 0}});
  auto table = statsTable(rows, false);
  EXPECT_EQ(table.header, (std::vector<std::string>{"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %",
                                                    "PIDS / LIMIT", "THROTTLED %", "NET I/O", "BLOCK I/O", "STATE"}));
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.rows[0], (std::vector<std::string>{"aaaaaaaaaaaa", "web", "49.87%", "6MiB / 24MiB", "25.00%",
                                                     "3 / max", "100.00%", "1.5kB / 0B", "4.1kB / 12.3MB", "running"}));
  EXPECT_EQ(table.rows[1], (std::vector<std::string>{"b0bbbbbbbbbb", "old", "--", "-- / --", "--", "-- / --", "--",
                                                     "-- / --", "-- / --", "stopped"}));
  auto withRuntime = statsTable(rows, true);
  EXPECT_EQ(withRuntime.header[1], "RUNTIME");
  EXPECT_EQ(withRuntime.rows[0][1], "agent");
}

TEST(StatsTable, DiscoveredContainersWithRuntimeAndCgroup) {
  json containers = json::array();
  containers.push_back({{"runtime", "docker"},
                        {"id", std::string(64, 'c')},
                        {"name", "db"},
                        {"image", ""},
                        {"state", "running"},
                        {"cgroup", "/docker/" + std::string(64, 'c')}});
  containers.push_back({{"runtime", "lxc"},
                        {"id", "my-lxc-container"},
                        {"name", "my-lxc-container"},
                        {"state", "running"},
                        {"cgroup", "/lxc/my-lxc-container"}});
  auto table = discoveredTable(containers);
  EXPECT_EQ(table.header, (std::vector<std::string>{"RUNTIME", "CONTAINER ID", "NAME", "IMAGE", "STATE", "CGROUP"}));
  EXPECT_EQ(table.rows[0][1], "cccccccccccc");
  EXPECT_EQ(table.rows[0][5], "/docker/" + std::string(64, 'c'));
  EXPECT_EQ(table.rows[1][1], "my-lxc-container");  // not hex: whole
}

}  // namespace
}  // namespace agent::ctl
