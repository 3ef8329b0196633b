// `agentctl stats` and `agentctl ps --all-cgroups`. Stats come from agentd's last two
// snapshots (GET /v1/stats), so a round costs one request; on a terminal each round redraws
// the table in place (cursor home, each line cleared to its end, the rest of the screen
// cleared), as docker stats does; into a pipe or file the tables follow one another.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <sstream>

#include "Commands.h"
#include "StatsTable.h"
#include "Table.h"

namespace agent::ctl {

using nlohmann::json;

namespace {

constexpr long kStatsTimeoutSeconds = 10;
constexpr auto kRedrawEvery = std::chrono::seconds(1);

// Waits until `deadline` unless SIGINT or SIGTERM comes first (they are blocked and taken
// here, so Ctrl-C ends the loop and agentctl exits 0 with the terminal as it was). True when
// a signal came.
bool interruptedBefore(std::chrono::steady_clock::time_point deadline, const sigset_t& stopping) {
  while (true) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return false;
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec wait{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    int signal = ::sigtimedwait(&stopping, nullptr, &wait);
    if (signal > 0) return true;
    if (errno != EINTR && errno != EAGAIN) return false;
  }
}

// A table redrawn in place: home, each line cleared after its text, the rest cleared below.
std::string inPlace(const std::string& table, bool first) {
  std::string out = first ? "\033[2J\033[H" : "\033[H";
  size_t start = 0;
  while (start < table.size()) {
    size_t end = table.find('\n', start);
    if (end == std::string::npos) end = table.size();
    out.append(table, start, end - start);
    out += "\033[K\n";
    start = end + 1;
  }
  return out + "\033[J";
}

std::string statsPath(const std::string& id) {
  // A cgroup path cannot be a path segment (it is decoded before routing): it goes in the query.
  return !id.empty() && id.front() == '/' ? "/v1/containers/-/stats?cgroup=" + escapeQuery(id)
                                          : "/v1/containers/" + escapeQuery(id) + "/stats";
}

}  // namespace

std::optional<json> Commands::statsRows(const StatsOptions& o, int& exitCode) {
  if (o.ids.empty()) {
    auto reply = call("GET", o.allCgroups ? "/v1/stats?all_cgroups=1" : "/v1/stats", std::nullopt, exitCode,
                      kStatsTimeoutSeconds);
    if (!reply) return std::nullopt;
    return reply->body.value("containers", json::array());
  }
  json rows = json::array();
  for (const auto& id : o.ids) {
    auto reply = call("GET", statsPath(id), std::nullopt, exitCode, kStatsTimeoutSeconds);
    if (!reply) return std::nullopt;
    rows.push_back(std::move(reply->body));
  }
  return rows;
}

int Commands::stats(const StatsOptions& o) {
  bool redraw = !o.noStream && !wantsJson() && ::isatty(STDOUT_FILENO) == 1;
  sigset_t stopping;
  sigemptyset(&stopping);
  sigaddset(&stopping, SIGINT);
  sigaddset(&stopping, SIGTERM);
  if (!o.noStream) ::sigprocmask(SIG_BLOCK, &stopping, nullptr);
  for (bool first = true;; first = false) {
    auto round = std::chrono::steady_clock::now();
    int exitCode = kExitOk;
    auto rows = statsRows(o, exitCode);
    if (!rows) return exitCode;
    if (wantsJson()) {
      // Once: an indented array; streaming: one array per line, a line per second.
      std::cout << (o.noStream ? rows->dump(2) : rows->dump()) << '\n' << std::flush;
    } else {
      // A RUNTIME column once another engine's container is shown.
      bool withRuntime = false;
      for (const auto& row : *rows) withRuntime = withRuntime || row.value("runtime", "agent") != "agent";
      auto table = statsTable(*rows, withRuntime);
      std::ostringstream text;
      printTable(text, table.header, table.rows);
      std::cout << (redraw ? inPlace(text.str(), first) : text.str()) << std::flush;
    }
    if (o.noStream) return kExitOk;
    if (interruptedBefore(round + kRedrawEvery, stopping)) {
      if (redraw) std::cout << '\n' << std::flush;  // the shell's prompt below the table, not after "^C"
      return kExitOk;
    }
  }
}

int Commands::psAllCgroups(bool all) {
  int exitCode = kExitOk;
  auto reply =
      call("GET", all ? "/v1/containers?all_cgroups=1&all=1" : "/v1/containers?all_cgroups=1", std::nullopt, exitCode);
  if (!reply) return exitCode;
  if (wantsJson()) {
    std::cout << reply->body.dump(2) << '\n';
    return kExitOk;
  }
  auto table = discoveredTable(reply->body);
  printTable(std::cout, table.header, table.rows);
  return kExitOk;
}

}  // namespace agent::ctl
