// The agent's own doors, tried as a new user would with a plain socket client: 500 idle and
// 500 byte-a-second connections to EACH port (the metrics port and the control API) delay
// neither a scrape nor an `agentctl ps` by more than 100 ms and cost agentd at most 20 MiB;
// a half-sent request is cut within seconds; `metrics_allow` closes connections from other
// networks at accept; a 401 costs no more than a 200.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <sstream>

#include "E2ESupport.h"

using namespace e2e;

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

std::string list(const std::vector<double>& values) {
  std::ostringstream out;
  for (double v : values) out << static_cast<long>(v) << " ";
  return out.str();
}

// The test holds 2000+ sockets: the soft limit (1024 in a shell) is raised to the hard one.
void raiseOwnFdLimit() {
  rlimit files{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
  files.rlim_cur = files.rlim_max;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &files), 0);
  ASSERT_GE(files.rlim_cur, 4096u) << "the test needs 4096 descriptors; raise the hard limit (ulimit -Hn)";
}

uint16_t portOf(const std::string& url) {
  // http://127.0.0.1:PORT[/path]
  size_t colon = url.rfind(':');
  return static_cast<uint16_t>(std::stoi(url.substr(colon + 1)));
}

// A non-blocking TCP socket to 127.0.0.1:port, bound to `source` first.
int connectFrom(const char* source, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &from.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
    ::close(fd);
    return -1;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Keeps `idle` connections that sent half a request line and then nothing, and `slow` ones
// that send one more header byte a second, open to one port; any the server closes is opened
// again at once (a client that reconnects).
class Attack {
 public:
  Attack(uint16_t port, std::string path, size_t idle, size_t slow) : port_(port), path_(std::move(path)) {
    slots_.resize(idle + slow);
    for (size_t i = 0; i < slots_.size(); ++i) slots_[i].slow = i >= idle;
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  }
  ~Attack() {
    thread_.request_stop();
    thread_.join();
    for (auto& s : slots_)
      if (s.fd >= 0) ::close(s.fd);
  }
  size_t open() const { return open_; }
  size_t cut() const { return cut_; }

 private:
  struct Slot {
    int fd = -1;
    bool slow = false;
    bool sent = false;
  };
  void run(std::stop_token stop) {
    auto lastTrickle = Clock::now();
    while (!stop.stop_requested()) {
      size_t open = 0;
      bool trickle = Clock::now() - lastTrickle >= 1s;
      if (trickle) lastTrickle = Clock::now();
      for (auto& s : slots_) {
        if (s.fd < 0) {
          s.fd = connectFrom("127.0.0.1", port_);
          s.sent = false;
        }
        if (s.fd < 0) continue;
        if (!s.sent) {
          std::string start = s.slow ? "GET " + path_ + " HTTP/1.1\r\nX-Slow: " : "GET " + path_ + " HTTP/1.1\r\nHo";
          s.sent = ::send(s.fd, start.data(), start.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(start.size());
        } else if (s.slow && trickle) {
          (void)::send(s.fd, "a", 1, MSG_NOSIGNAL);
        }
        char c[256];
        ssize_t n = ::recv(s.fd, c, sizeof c, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != ENOTCONN)) {
          ::close(s.fd);
          s.fd = -1;
          ++cut_;
          continue;
        }
        open += s.sent;
      }
      open_ = open;
      std::this_thread::sleep_for(100ms);
    }
  }
  uint16_t port_;
  std::string path_;
  std::vector<Slot> slots_;
  std::atomic<size_t> open_{0};
  std::atomic<size_t> cut_{0};
  std::jthread thread_;
};

long rssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// One scrape's time, or 20 s when it failed (a timeout).
double timedScrape(const std::string& metricsUrl) {
  auto url = agent::ctl::parseHttpUrl(metricsUrl.substr(0, metricsUrl.rfind('/')));
  auto start = Clock::now();
  auto reply = agent::ctl::httpExchange(*url, {"GET", "/metrics", {}, ""}, 20s);
  return reply && reply->status == 200 ? msSince(start) : 20'000;
}

double timedPs(const Agent& agent) {
  auto start = Clock::now();
  Ran ran = shell("timeout 20 " + agent.ctlCommand() + " ps");
  return ran.exitCode == 0 ? msSince(start) : 20'000;
}

}  // namespace

TEST(SlowClientE2E, FiveHundredIdleAndSlowClientsPerPortDelayNeitherScrapeNorPs) {
  raiseOwnFdLimit();
  Agent agent;
  std::string metrics = agent.metricsUrl();
  std::string api = firstWord((agent.root() / "state" / "api").string());
  // Warm up, then the baseline in the same run.
  timedScrape(metrics);
  timedPs(agent);
  std::vector<double> scrapeBase, psBase;
  for (int i = 0; i < 5; ++i) {
    scrapeBase.push_back(timedScrape(metrics));
    psBase.push_back(timedPs(agent));
  }
  long rssBefore = rssKiB(agent.pid());

  constexpr size_t kEach = 500;
  Attack onMetrics(portOf(metrics), "/metrics", kEach, kEach);
  Attack onApi(portOf(api), "/v1/containers", kEach, kEach);
  std::this_thread::sleep_for(3s);  // all connected, the slow ones a few bytes in
  std::vector<double> scrapeUnder, psUnder;
  long rssPeak = rssBefore;
  size_t leastOpen = 4 * kEach;
  // Samples spread over 15 s: past the server's timeouts, while cut clients reconnect.
  for (int i = 0; i < 6; ++i) {
    leastOpen = std::min(leastOpen, onMetrics.open() + onApi.open());
    scrapeUnder.push_back(timedScrape(metrics));
    psUnder.push_back(timedPs(agent));
    rssPeak = std::max(rssPeak, rssKiB(agent.pid()));
    std::this_thread::sleep_for(2s);
  }
  std::string numbers = "scrape ms: base " + list(scrapeBase) + "| under attack " + list(scrapeUnder) +
                        "\nagentctl ps ms: base " + list(psBase) + "| under attack " + list(psUnder) +
                        "\nagentd VmRSS KiB: before " + std::to_string(rssBefore) + ", peak " +
                        std::to_string(rssPeak) + "; attacker sockets open (least seen) " + std::to_string(leastOpen) +
                        ", cut by the server " + std::to_string(onMetrics.cut() + onApi.cut());
  std::cout << numbers << "\n";
  EXPECT_GE(leastOpen, 2 * kEach) << "the attack did not hold its connections open\n" << numbers;
  EXPECT_LE(median(scrapeUnder), median(scrapeBase) + 100) << numbers;
  EXPECT_LE(median(psUnder), median(psBase) + 100) << numbers;
  EXPECT_LE(rssPeak - rssBefore, 20 * 1024) << numbers;
}

TEST(SlowClientE2E, AHalfSentRequestIsCutWithinSeconds) {
  Agent agent;
  std::string api = firstWord((agent.root() / "state" / "api").string());
  for (uint16_t port : {portOf(agent.metricsUrl()), portOf(api)}) {
    // Half a request line, then nothing; and a header that grows by a byte a second.
    int idle = connectFrom("127.0.0.1", port);
    int slow = connectFrom("127.0.0.1", port);
    ASSERT_GE(idle, 0);
    ASSERT_GE(slow, 0);
    std::this_thread::sleep_for(50ms);
    auto start = Clock::now();
    ASSERT_EQ(::send(idle, "GET /metrics HTTP/1.1\r\nHo", 25, MSG_NOSIGNAL), 25);
    ASSERT_EQ(::send(slow, "GET /metrics HTTP/1.1\r\nX: ", 26, MSG_NOSIGNAL), 26);
    double idleCut = -1, slowCut = -1;
    auto closed = [](int fd) {
      char c[256];
      ssize_t n = ::recv(fd, c, sizeof c, MSG_DONTWAIT);
      return n == 0 || (n < 0 && errno != EAGAIN);
    };
    for (auto lastByte = start; msSince(start) < 20'000 && (idleCut < 0 || slowCut < 0);) {
      if (slowCut < 0 && Clock::now() - lastByte >= 1s) {
        (void)::send(slow, "a", 1, MSG_NOSIGNAL);
        lastByte = Clock::now();
      }
      pollfd p[2] = {{idle, POLLIN, 0}, {slow, POLLIN, 0}};
      ::poll(p, 2, 100);
      if (idleCut < 0 && p[0].revents != 0 && closed(idle)) idleCut = msSince(start);
      if (slowCut < 0 && p[1].revents != 0 && closed(slow)) slowCut = msSince(start);
    }
    std::cout << "port " << port << ": half-sent request cut after " << idleCut << " ms, byte-a-second after "
              << slowCut << " ms\n";
    EXPECT_GE(idleCut, 0) << "an idle half-sent request on port " << port << " stayed open 20 s";
    EXPECT_LE(idleCut, 7000) << "port " << port;
    EXPECT_GE(slowCut, 0) << "a byte-a-second request on port " << port << " stayed open 20 s";
    EXPECT_LE(slowCut, 13000) << "port " << port;
    ::close(idle);
    ::close(slow);
  }
}

TEST(SlowClientE2E, MetricsAllowClosesOtherNetworksAtAccept) {
  // 127.0.0.2 is a loopback address too: a second source without touching the host's network.
  Agent agent("metrics_allow: [127.0.0.1/32]\n");
  uint16_t port = portOf(agent.metricsUrl());
  EXPECT_NE(scrape(agent.metricsUrl()).find("# TYPE"), std::string::npos) << "127.0.0.1 is allowed";
  int other = connectFrom("127.0.0.2", port);
  ASSERT_GE(other, 0);
  auto start = Clock::now();
  std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  (void)::send(other, request.data(), request.size(), MSG_NOSIGNAL);
  std::string got;
  double closedAfter = -1;
  while (msSince(start) < 5000) {
    pollfd p{other, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char c[4096];
    ssize_t n = ::recv(other, c, sizeof c, MSG_DONTWAIT);
    if (n > 0) got.append(c, static_cast<size_t>(n));
    if (n == 0 || (n < 0 && errno != EAGAIN)) {
      closedAfter = msSince(start);
      break;
    }
  }
  ::close(other);
  EXPECT_EQ(got, "") << "a client from 127.0.0.2 got a reply";
  EXPECT_GE(closedAfter, 0) << "the connection from 127.0.0.2 stayed open";
  EXPECT_LE(closedAfter, 1000);
  EXPECT_NE(scrape(agent.metricsUrl()).find("# TYPE"), std::string::npos) << "127.0.0.1 still is";
}

TEST(SlowClientE2E, A401CostsNoMoreThanA200) {
  Agent agent;
  std::string api = firstWord((agent.root() / "state" / "api").string());
  auto url = agent::ctl::parseHttpUrl(api);
  ASSERT_TRUE(url);
  std::string token = firstWord((agent.root() / "state" / "token").string());
  std::string wrong(token.size(), 'x');
  std::vector<double> ok, refused, none;
  auto timed = [&](const std::string& given, std::vector<double>& into, int want) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!given.empty()) headers.emplace_back("Authorization", "Bearer " + given);
    auto start = Clock::now();
    auto reply = agent::ctl::httpExchange(*url, {"GET", "/v1/containers", headers, ""}, 5s);
    into.push_back(msSince(start));
    ASSERT_TRUE(reply);
    ASSERT_EQ(reply->status, want) << reply->body;
  };
  for (int i = 0; i < 300; ++i) {
    timed(token, ok, 200);
    timed(wrong, refused, 401);
    timed("", none, 401);
  }
  double okMs = median(ok), refusedMs = median(refused), noneMs = median(none);
  std::cout << "median ms: 200 " << okMs << ", 401 (wrong token) " << refusedMs << ", 401 (no token) " << noneMs
            << "\n";
  // 20 us of slack: the scheduler's noise on a loaded 2-core machine.
  EXPECT_LE(refusedMs, okMs + 0.02);
  EXPECT_LE(noneMs, okMs + 0.02);
}
