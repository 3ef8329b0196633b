// `agentctl stats` and `ps --all-cgroups` against a real agentd: a container held at 50% of a
// CPU by its quota reads 45-55 (JSON and table), other engines' containers are listed with
// --all-cgroups only, and on a real terminal (tmux) the table is redrawn in place each second
// and Ctrl-C ends it with exit 0 and the terminal's settings as they were.
#include <signal.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "E2ESupport.h"

namespace e2e {
namespace {

using nlohmann::json;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// The row of `name` in a stats table (its cells split on runs of 3+ spaces would break on
// "MEM USAGE / LIMIT": the header's column starts are used instead).
std::map<std::string, std::string> tableRow(const std::string& table, const std::string& name) {
  std::istringstream lines(table);
  std::string header, line;
  std::getline(lines, header);
  std::vector<size_t> starts;
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] != ' ' && (i == 0 || (i >= 3 && header.compare(i - 3, 3, "   ") == 0))) starts.push_back(i);
  std::map<std::string, std::string> cells;
  while (std::getline(lines, line)) {
    std::vector<std::string> row;
    for (size_t c = 0; c < starts.size(); ++c) {
      size_t end = c + 1 < starts.size() ? starts[c + 1] : line.size();
      std::string cell = starts[c] < line.size() ? line.substr(starts[c], end - starts[c]) : "";
      cell.erase(cell.find_last_not_of(' ') + 1);
      row.push_back(cell);
    }
    if (row.size() > 1 && row[1] == name) {
      for (size_t c = 0; c < starts.size(); ++c) {
        std::string title =
            header.substr(starts[c], (c + 1 < starts.size() ? starts[c + 1] : header.size()) - starts[c]);
        title.erase(title.find_last_not_of(' ') + 1);
        cells[title] = row[c];
      }
    }
  }
  return cells;
}

TEST(StatsE2E, AContainerHeldAtHalfACpuReads45To55) {
  Agent agent;
  auto ran = agent.ctl("run -d --name spin --cpu 50% busybox -- sh -c 'while :; do :; done'");
  ASSERT_EQ(ran.exitCode, 0) << ran.out;
  ASSERT_EQ(agent.ctl("run -d --name idle busybox -- sleep 120").exitCode, 0);
  favour(field(agent.ctl("inspect spin").out, "cgroup"), agent.cgroupParent());
  std::this_thread::sleep_for(2500ms);  // the quota's effect over two whole snapshots

  std::vector<double> spin, idle;
  for (int i = 0; i < 30 && spin.size() < 5; ++i) {
    auto out = agent.ctl("stats --no-stream --output json");
    ASSERT_EQ(out.exitCode, 0) << out.out;
    auto rows = json::parse(out.out, nullptr, false);
    ASSERT_TRUE(rows.is_array()) << out.out;
    ASSERT_EQ(rows.size(), 2u) << out.out;
    for (const auto& row : rows) {
      EXPECT_EQ(row.value("runtime", ""), "agent");
      if (!row["cpu_percent"].is_number()) continue;
      (row.value("name", "") == "spin" ? spin : idle).push_back(row["cpu_percent"].get<double>());
      if (row.value("name", "") == "spin") {
        EXPECT_GT(row.value("throttled_percent", 0.0), 50.0) << "a busy loop at its quota is throttled";
        EXPECT_EQ(row.value("state", ""), "running");
      }
    }
    std::this_thread::sleep_for(1100ms);
  }
  ASSERT_EQ(spin.size(), 5u) << "no CPU % after 30 tries";
  EXPECT_GE(median(spin), 45.0) << ::testing::PrintToString(spin);
  EXPECT_LE(median(spin), 55.0) << ::testing::PrintToString(spin);
  EXPECT_LT(median(idle), 5.0) << ::testing::PrintToString(idle);

  std::vector<double> shown;
  for (int i = 0; i < 5; ++i) {
    auto table = agent.ctl("stats --no-stream");
    ASSERT_EQ(table.exitCode, 0) << table.out;
    auto row = tableRow(table.out, "spin");
    ASSERT_TRUE(row.count("CPU %")) << table.out;
    shown.push_back(std::stod(row["CPU %"]));
    EXPECT_EQ(row["STATE"], "running") << table.out;
    EXPECT_NE(row["MEM USAGE / LIMIT"].find("iB / "), std::string::npos) << table.out;
    std::this_thread::sleep_for(1100ms);
  }
  EXPECT_GE(median(shown), 45.0) << ::testing::PrintToString(shown);
  EXPECT_LE(median(shown), 55.0) << ::testing::PrintToString(shown);
}

TEST(StatsE2E, OneContainerByNameAndAStoppedOneByItsState) {
  Agent agent("collect_interval: 0.2\n");
  ASSERT_EQ(agent.ctl("run -d --name web --pids 64 --memory 64Mi busybox -- sleep 120").exitCode, 0);
  ASSERT_EQ(agent.ctl("run -d --name done busybox -- true").exitCode, 0);
  std::this_thread::sleep_for(1s);
  auto one = agent.ctl("stats --no-stream --output json web");
  ASSERT_EQ(one.exitCode, 0) << one.out;
  auto rows = json::parse(one.out, nullptr, false);
  ASSERT_TRUE(rows.is_array() && rows.size() == 1) << one.out;
  EXPECT_EQ(rows[0].value("name", ""), "web");
  EXPECT_EQ(rows[0].value("pids_limit", 0), 64);
  EXPECT_EQ(rows[0].value("memory_limit_bytes", uint64_t{0}), 64u << 20);
  EXPECT_TRUE(rows[0].value("memory_limited", false));
  auto table = agent.ctl("stats --no-stream web done");
  ASSERT_EQ(table.exitCode, 0) << table.out;
  EXPECT_NE(tableRow(table.out, "web")["PIDS / LIMIT"].find(" / 64"), std::string::npos) << table.out;
  EXPECT_NE(tableRow(table.out, "web")["MEM USAGE / LIMIT"].find(" / 64MiB"), std::string::npos) << table.out;
  EXPECT_EQ(tableRow(table.out, "done")["STATE"], "stopped") << table.out;
  auto none = agent.ctl("stats --no-stream nosuch");
  EXPECT_EQ(none.exitCode, 1);
  EXPECT_NE(none.out.find("no container \"nosuch\""), std::string::npos) << none.out;
}

// A group as docker's systemd driver names it (docker-<id>.scope), made under the test's
// own parent with a process of the test's in it.
TEST(StatsE2E, AllCgroupsAddsOtherEnginesContainers) {
  Agent agent("collect_interval: 0.2\n");
  ASSERT_EQ(agent.ctl("run -d --name ours busybox -- sleep 120").exitCode, 0);
  std::random_device random;
  char unique[9];
  std::snprintf(unique, sizeof unique, "%08x", static_cast<unsigned>(random()));
  std::string id = unique + std::string(56, 'f');
  std::string path = agent.cgroupParent() + "/docker-" + id + ".scope";
  std::vector<std::string> dirs;
  // v1: each hierarchy this host mounts (cpu and cpuacct may be one, then its directory is
  // found twice and made once); v2: the one tree.
  for (const auto& c : {"cpu", "cpuacct", "memory", "pids"}) {
    std::string hierarchy = std::string("/sys/fs/cgroup/") + c;
    if (fs::exists(hierarchy + "/cgroup.procs") &&
        std::find(dirs.begin(), dirs.end(), fs::canonical(hierarchy).string() + path) == dirs.end())
      dirs.push_back(fs::canonical(hierarchy).string() + path);
  }
  if (dirs.empty()) dirs.push_back("/sys/fs/cgroup" + path);
  pid_t sleeper = ::fork();
  if (sleeper == 0) {
    ::execl("/bin/sleep", "sleep", "120", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Ended and removed however the test ends (before the agent removes its parent).
  struct Cleanup {
    pid_t sleeper;
    const std::vector<std::string>& dirs;
    ~Cleanup() {
      ::kill(sleeper, SIGKILL);
      ::waitpid(sleeper, nullptr, 0);
      for (const auto& dir : dirs) ::rmdir(dir.c_str());
    }
  } cleanup{sleeper, dirs};
  for (const auto& dir : dirs) fs::create_directories(dir);
  for (const auto& dir : dirs) std::ofstream(dir + "/cgroup.procs") << sleeper;

  bool listed = false;
  Ran ps;
  for (int i = 0; i < 50 && !listed; ++i) {
    ps = agent.ctl("ps --all-cgroups");
    listed = ps.out.find(path) != std::string::npos;
    if (!listed) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(listed) << ps.out;
  EXPECT_NE(ps.out.find("docker "), std::string::npos) << ps.out;
  EXPECT_NE(ps.out.find(id.substr(0, 12)), std::string::npos) << ps.out;
  EXPECT_NE(ps.out.find("ours"), std::string::npos) << ps.out;
  EXPECT_EQ(agent.ctl("ps").out.find(id.substr(0, 12)), std::string::npos);

  auto all = json::parse(agent.ctl("stats --no-stream --all-cgroups --output json").out, nullptr, false);
  auto ours = json::parse(agent.ctl("stats --no-stream --output json").out, nullptr, false);
  ASSERT_TRUE(all.is_array() && ours.is_array());
  auto has = [&](const json& rows, const std::string& runtime) {
    return std::any_of(rows.begin(), rows.end(), [&](const json& r) { return r.value("runtime", "") == runtime; });
  };
  EXPECT_TRUE(has(all, "docker")) << all.dump();
  EXPECT_TRUE(has(all, "agent")) << all.dump();
  EXPECT_FALSE(has(ours, "docker")) << ours.dump();
  auto byId = agent.ctl("stats --no-stream " + id.substr(0, 12));
  EXPECT_EQ(byId.exitCode, 0) << byId.out << agent.ctl("ps --all-cgroups").out;
  EXPECT_NE(byId.out.find("RUNTIME"), std::string::npos) << byId.out;
  // Its rates too, from two snapshots: an idle process, 0% of a CPU.
  json row = json::object();
  for (int i = 0; i < 30 && !row.value("cpu_percent", json()).is_number(); ++i) {
    auto byPath = agent.ctl("stats --no-stream --output json " + path);
    ASSERT_EQ(byPath.exitCode, 0) << byPath.out;
    row = json::parse(byPath.out, nullptr, false)[0];
    if (!row["cpu_percent"].is_number()) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(row.value("runtime", ""), "docker") << row.dump();
  EXPECT_LT(row.value("cpu_percent", 100.0), 5.0) << row.dump();
  if (fs::exists("/sys/fs/cgroup/pids/cgroup.procs") || !fs::exists("/sys/fs/cgroup/cpu")) {
    EXPECT_EQ(row.value("pids", 0), 1) << row.dump();
  }
}

// Into a file or a pipe: no escape sequences, one whole table per second; SIGINT ends it with
// exit 0 (timeout --preserve-status passes agentctl's own status on).
TEST(StatsE2E, IntoAFileTheTablesFollowOneAnother) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name one busybox -- sleep 120").exitCode, 0);
  std::string file = (agent.root() / "stats.out").string();
  auto ran = shell("timeout --preserve-status -s INT 2.5 " + agent.ctlCommand() + " stats > " + file);
  EXPECT_EQ(ran.exitCode, 0) << ran.out;
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  size_t headers = 0;
  for (size_t at = text.find("CONTAINER ID"); at != std::string::npos; at = text.find("CONTAINER ID", at + 1))
    ++headers;
  EXPECT_GE(headers, 2u) << text;
  EXPECT_LE(headers, 4u) << text;
  EXPECT_EQ(text.find('\033'), std::string::npos) << "escape sequences in a file";
  // --output json streams one array per line.
  ran = shell("timeout --preserve-status -s INT 1.5 " + agent.ctlCommand() + " stats --output json > " + file);
  EXPECT_EQ(ran.exitCode, 0) << ran.out;
  std::ifstream json(file);
  std::string line;
  size_t lines = 0;
  while (std::getline(json, line)) {
    ++lines;
    EXPECT_TRUE(nlohmann::json::parse(line, nullptr, false).is_array()) << line;
  }
  EXPECT_GE(lines, 1u);
}

// A real terminal: tmux runs agentctl stats in a pane; the header stays one (redrawn in
// place, not scrolled) while a container started meanwhile appears; Ctrl-C ends it with
// exit 0 and the terminal's settings unchanged.
TEST(StatsE2E, OnATerminalItRedrawsInPlaceAndCtrlCEndsIt) {
  if (shell("command -v tmux").exitCode != 0)
    AGENT_SKIP_OR_FAIL_UNDER_CI("tmux is not installed (scripts/install-deps.sh)");
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name first busybox -- sleep 120").exitCode, 0);
  std::string dir = agent.root().string();
  std::string tmux = "TERM=xterm tmux -S " + dir + "/tmux.sock ";
  // As an interactive shell runs a command in its own process group, Ctrl-C reaches agentctl
  // alone: the script's shell outlives it (a trap, which exec resets for agentctl).
  std::ofstream(dir + "/pane.sh") << "trap : INT\nstty -g > " << dir << "/stty.before\n"
                                  << agent.ctlCommand() << " stats\n"
                                  << "echo $? > " << dir << "/exit.tmp; mv " << dir << "/exit.tmp " << dir << "/exit\n"
                                  << "stty -g > " << dir << "/stty.tmp; mv " << dir << "/stty.tmp " << dir
                                  << "/stty.after\nsleep 600\n";
  auto started = shell(tmux + "-f /dev/null new-session -d -s stats -x 160 -y 30 'sh " + dir + "/pane.sh'");
  ASSERT_EQ(started.exitCode, 0) << started.out;
  auto capture = [&] { return shell(tmux + "capture-pane -p -t stats").out; };
  auto count = [](const std::string& text, const std::string& word) {
    size_t n = 0;
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
    return n;
  };
  std::string screen;
  for (int i = 0; i < 50 && count(screen, "first") == 0; ++i) {
    std::this_thread::sleep_for(100ms);
    screen = capture();
  }
  EXPECT_EQ(count(screen, "CONTAINER ID"), 1u) << screen;
  ASSERT_EQ(agent.ctl("run -d --name second busybox -- sleep 120").exitCode, 0);
  for (int i = 0; i < 50 && count(screen, "second") == 0; ++i) {
    std::this_thread::sleep_for(100ms);
    screen = capture();
  }
  std::this_thread::sleep_for(2s);  // two more rounds
  screen = capture();
  EXPECT_EQ(count(screen, "second"), 1u) << screen;
  EXPECT_EQ(count(screen, "first"), 1u) << screen;
  EXPECT_EQ(count(screen, "CONTAINER ID"), 1u) << "the table scrolled instead of being redrawn:\n" << screen;

  shell(tmux + "send-keys -t stats C-c");
  for (int i = 0; i < 50 && !fs::exists(dir + "/exit"); ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(firstWord(dir + "/exit"), "0") << capture();
  for (int i = 0; i < 20 && !fs::exists(dir + "/stty.after"); ++i) std::this_thread::sleep_for(100ms);
  std::ifstream before(dir + "/stty.before"), after(dir + "/stty.after");
  std::string b((std::istreambuf_iterator<char>(before)), {}), a((std::istreambuf_iterator<char>(after)), {});
  EXPECT_FALSE(b.empty());
  EXPECT_EQ(a, b) << "the terminal's settings changed";
  shell(tmux + "kill-server");
}

}  // namespace
}  // namespace e2e
