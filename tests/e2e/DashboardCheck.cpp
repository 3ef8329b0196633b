#include "DashboardCheck.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

namespace e2e {

namespace {

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

void checkVariables(const PrometheusServer& prometheus, const nlohmann::json& board, const std::string& file,
                    const std::string& instance, const std::string& container) {
  for (const auto& variable : board["templating"]["list"]) {
    if (variable.value("type", "") != "query") continue;
    // label_values(METRIC, LABEL): the metric must have series carrying the label.
    std::string query = variable["query"];
    std::string inner = query.substr(query.find('(') + 1);
    std::string metric = replaceAll(inner.substr(0, inner.rfind(',')), "$instance", instance);
    std::string label = inner.substr(inner.rfind(',') + 1);
    label = label.substr(label.find_first_not_of(' '));
    label.pop_back();  // ')'
    auto series = prometheus.query(metric);
    ASSERT_TRUE(series) << file << ": " << metric;
    bool labelled = false, listed = false;
    for (const auto& s : *series) {
      labelled = labelled || s.labels.count(label) > 0;
      listed = listed || (s.labels.count(label) > 0 && s.labels.at(label) == container);
    }
    EXPECT_TRUE(labelled) << file << ": variable " << variable["name"] << " finds no `" << label << "` in " << metric;
    if (label == "name") {
      EXPECT_TRUE(listed) << file << ": variable " << variable["name"] << " does not offer " << container
                          << " among the values of " << metric;
    }
  }
}

}  // namespace

void checkDashboardPanels(const PrometheusServer& prometheus, const std::string& instance, const std::string& container,
                          bool v2) {
  for (const char* file : {"host-overview.json", "container-detail.json"}) {
    std::ifstream in(std::string(AGENT_DASHBOARDS_DIR) + "/" + file);
    auto board = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(board.is_discarded()) << file;
    checkVariables(prometheus, board, file, instance, container);
    for (const auto& panel : board["panels"]) {
      for (const auto& target : panel["targets"]) {
        std::string expr = target["expr"];
        // Two panels need cgroup v2 (docs/metrics.md): pressure is read where the cpu
        // controller is v2, and v1's blkio counts a cgroup's I/O only while blk-throttle is
        // active on the device (some cgroup has a limit there), which a test must not set.
        bool needsV2 =
            expr.find("container_pressure_") != std::string::npos || expr.find("container_fs_") != std::string::npos;
        if (!v2 && needsV2) {
          std::cout << "[ NOTE     ] " << file << " \"" << panel["title"].get<std::string>()
                    << "\": only checked as PromQL; its series need cgroup v2\n";
        }
        std::string promql = replaceAll(replaceAll(replaceAll(expr, "$instance", instance), "$container", container),
                                        "$__rate_interval", "30s");
        std::string error;
        auto series = prometheus.query(promql, &error);
        ASSERT_TRUE(series) << file << " \"" << panel["title"] << "\": " << promql << ": " << error;
        if (v2 || !needsV2) {
          EXPECT_FALSE(series->empty()) << file << " \"" << panel["title"] << "\" returns no series: " << promql;
        }
      }
    }
  }
}

}  // namespace e2e
