// The web view in a real browser: Debian's chromium, headless, loads agentd's pages. The DOM
// shows every running container's name and, for one held at half a CPU by its quota, a CPU %
// within 10% of the rate of container_cpu_usage_seconds_total between two /metrics scrapes taken
// around the load; it shows which policy set a limit; the container page has its three SVG
// charts; a screenshot of each page is kept in build/test-artifacts/. The /ui/ actions refuse a
// request without the token and pause and resume with it. A missing chromium fails under CI.
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "E2ESupport.h"

namespace e2e {
namespace {

const char* kArtifacts = AGENT_TEST_ARTIFACTS;

std::string chromiumBinary() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (::access(path, X_OK) == 0) return path;
  return "";
}

// chromium --headless with `mode` (--dump-dom or --screenshot=FILE) on `url`: its stdout (the
// DOM once scripts ran), or "" with the reason in `error`.
std::string chromium(const std::string& binary, const std::string& mode, const std::string& url, std::string& error) {
  char profile[] = "/tmp/agent-chromium-XXXXXX";
  if (::mkdtemp(profile) == nullptr) return "";
  std::string err = std::string(profile) + ".err";
  // Root needs --no-sandbox; no X, no GPU; /dev/shm may be small in a container.
  auto ran = shell("(timeout 90 " + binary +
                   " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
                   "--user-data-dir=" +
                   profile + " --window-size=1280,900 " + mode + " '" + url + "' 2>" + err + ")");
  if (ran.exitCode != 0) {
    std::ifstream in(err);
    error = "chromium exited " + std::to_string(ran.exitCode) + ": " +
            std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::error_code ignored;
  fs::remove_all(profile, ignored);
  fs::remove(err, ignored);
  return ran.exitCode == 0 ? ran.out : "";
}

// The <tr> of the overview whose data-name is `name`, as chromium serialised it.
std::string rowOf(const std::string& dom, const std::string& name) {
  size_t at = dom.find("data-name=\"" + name + "\"");
  if (at == std::string::npos) return "";
  size_t start = dom.rfind("<tr", at), end = dom.find("</tr>", at);
  return end == std::string::npos ? "" : dom.substr(start, end - start);
}

std::string attribute(const std::string& html, const std::string& name) {
  size_t at = html.find(name + "=\"");
  if (at == std::string::npos) return "";
  at += name.size() + 2;
  return html.substr(at, html.find('"', at) - at);
}

// A series' value in a scrape: the line of `metric` whose labels include id="<cgroup>".
double sampleOf(const std::string& scrape, const std::string& metric, const std::string& cgroup) {
  std::istringstream lines(scrape);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(metric + "{", 0) == 0 && line.find("id=\"" + cgroup + "\"") != std::string::npos)
      return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

agent::ctl::HttpReply post(const std::string& base, const std::string& path, const std::string& token,
                           const std::string& body = "") {
  auto url = agent::ctl::parseHttpUrl(base);
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}};
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  auto reply = agent::ctl::httpExchange(*url, {"POST", path, headers, body}, 10s);
  return reply ? *reply : agent::ctl::HttpReply{};
}

std::string get(const std::string& base, const std::string& path) {
  auto url = agent::ctl::parseHttpUrl(base);
  auto reply = agent::ctl::httpExchange(*url, {"GET", path, {}, ""}, 10s);
  return reply && reply->status == 200 ? reply->body : "";
}

bool isPng(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  return std::string(magic, 8) == "\x89PNG\r\n\x1a\n";
}

TEST(WebViewE2E, ChromiumShowsEveryContainerAndACpuFigureThatMatchesMetrics) {
  auto began = std::chrono::steady_clock::now();
  std::string binary = chromiumBinary();
  if (binary.empty()) AGENT_SKIP_OR_FAIL_UNDER_CI("chromium is not installed (apt-get install chromium)");
  Agent agent;
  std::ofstream(agent.root() / "policies" / "idle.yaml")
      << "policies:\n  - name: idle-pids\n    match: {names: [idle]}\n    limits: {pids: 64}\n";
  auto ran = agent.ctl("run -d --name busy --cpu 50% busybox -- sh -c 'while :; do :; done'");
  ASSERT_EQ(ran.exitCode, 0) << ran.out;
  ran = agent.ctl("run -d --name idle busybox -- sleep 300");
  ASSERT_EQ(ran.exitCode, 0) << ran.out;
  std::string busyCgroup = field(agent.ctl("inspect busy").out, "cgroup");
  std::string idleCgroup = field(agent.ctl("inspect idle").out, "cgroup");
  favour(busyCgroup, agent.cgroupParent());
  std::string idlePids = fs::exists("/sys/fs/cgroup/pids" + idleCgroup)
                             ? "/sys/fs/cgroup/pids" + idleCgroup + "/pids.max"
                             : "/sys/fs/cgroup" + idleCgroup + "/pids.max";
  ASSERT_TRUE(becomes(idlePids, "64")) << "the policy never reached idle\n" << agent.log();
  std::this_thread::sleep_for(2500ms);  // the quota's effect over whole snapshots

  std::string metricsUrl = agent.metricsUrl();
  std::string base = metricsUrl.substr(0, metricsUrl.rfind('/'));
  std::string before = scrape(metricsUrl);
  std::this_thread::sleep_for(1000ms);
  std::string error;
  auto loadStarted = std::chrono::steady_clock::now();
  std::string dom = chromium(binary, "--dump-dom", base + "/", error);
  double loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - loadStarted).count();
  std::this_thread::sleep_for(1000ms);
  std::string after = scrape(metricsUrl);
  ASSERT_FALSE(dom.empty()) << error;

  // Every running container by name, with its state.
  for (const std::string name : {"busy", "idle"}) {
    std::string row = rowOf(dom, name);
    ASSERT_FALSE(row.empty()) << name << " is not on the page:\n" << dom;
    EXPECT_NE(row.find(">" + name + "</a>"), std::string::npos) << row;
    EXPECT_EQ(attribute(row, "data-state"), "running") << row;
  }
  // The CPU figure against rate() over the scrapes around the load: counter over the snapshots' times.
  double cpu =
      (sampleOf(after, "container_cpu_usage_seconds_total", busyCgroup) -
       sampleOf(before, "container_cpu_usage_seconds_total", busyCgroup)) /
      (sampleOf(after, "container_last_seen", busyCgroup) - sampleOf(before, "container_last_seen", busyCgroup));
  std::string busyRow = rowOf(dom, "busy");
  std::string shown = attribute(busyRow, "data-cpu-percent");
  ASSERT_FALSE(shown.empty()) << busyRow;
  double page = std::stod(shown) / 100;
  EXPECT_GT(cpu, 0.3) << "the busy loop did not run";
  EXPECT_NEAR(page, cpu, 0.1 * cpu) << "page " << page << " CPUs, /metrics rate " << cpu << " CPUs";
  EXPECT_EQ(attribute(busyRow, "data-cpu-limit-cpus"), "0.500") << busyRow;
  // Which policy or override set each limit (`agentctl policy explain`).
  EXPECT_NE(busyRow.find("data-source=\"override\""), std::string::npos) << busyRow;
  std::string idleRow = rowOf(dom, "idle");
  EXPECT_EQ(attribute(idleRow, "data-pids-limit"), "64") << idleRow;
  EXPECT_NE(idleRow.find("data-source=\"policy idle-pids\""), std::string::npos) << idleRow;

  // The container page: its three charts from the agent's samples.
  std::string page2 = chromium(binary, "--dump-dom", base + "/containers/busy", error);
  ASSERT_FALSE(page2.empty()) << error;
  for (const char* metric : {"cpu", "memory", "pids"}) {
    size_t at = page2.find("<svg data-metric=\"" + std::string(metric) + "\"");
    ASSERT_NE(at, std::string::npos) << metric << "\n" << page2;
    EXPECT_GE(std::stoi(attribute(page2.substr(at), "data-samples")), 3) << metric;
  }
  EXPECT_NE(page2.find("<polyline"), std::string::npos);

  // Screenshots, kept for a person to look at.
  fs::create_directories(kArtifacts);
  for (const auto& [file, path] :
       {std::pair{"web-view-overview.png", "/"}, {"web-view-container.png", "/containers/busy"}}) {
    fs::path png = fs::path(kArtifacts) / file;
    fs::remove(png);
    chromium(binary, "--screenshot=" + png.string(), base + path, error);
    ASSERT_TRUE(fs::exists(png)) << error;
    EXPECT_TRUE(isPng(png));
    EXPECT_GT(fs::file_size(png), 10'000u) << png;  // a page with text, not a blank one
    std::cout << "screenshot: " << png.string() << "\n";
  }

  // The actions: refused without the token, done with it.
  std::string token;
  std::ifstream(agent.root() / "state" / "token") >> token;
  auto refused = post(base, "/ui/containers/busy/pause", "");
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_NE(refused.body.find("no API token"), std::string::npos) << refused.body;
  EXPECT_EQ(field(agent.ctl("inspect busy").out, "state"), "running");
  auto paused = post(base, "/ui/containers/busy/pause", token);
  EXPECT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(field(agent.ctl("inspect busy").out, "state"), "paused");
  // The page right after the action shows it: the action's reply came after a fresh snapshot.
  EXPECT_EQ(attribute(rowOf(get(base, "/"), "busy"), "data-paused"), "true");
  auto limited = post(base, "/ui/containers/idle/limit", token, R"({"pids": "32", "cpu": ""})");
  EXPECT_EQ(limited.status, 200) << limited.body;
  EXPECT_TRUE(becomes(idlePids, "32"));
  auto resumed = post(base, "/ui/containers/busy/resume", token);
  EXPECT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(field(agent.ctl("inspect busy").out, "state"), "running");

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::cout << "web view e2e: " << seconds << " s in all, chromium's --dump-dom of / took " << loadSeconds << " s\n";
  RecordProperty("duration_s", std::to_string(seconds));
}

}  // namespace
}  // namespace e2e
