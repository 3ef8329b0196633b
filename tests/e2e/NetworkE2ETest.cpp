// Bridge networking as a user meets it (issue 15): agentd in a "host" network namespace the
// test makes, another namespace playing a machine outside (NetworkLab.h), busybox containers on
// the bridge serving and asking over real sockets; iproute2 and nft read back what agentd left.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "E2ESupport.h"
#include "NetworkLab.h"

using namespace e2e;
using agent::hosttest::askTcp;
using agent::hosttest::askUdp;
using agent::hosttest::WhoAmIServer;

namespace {

// busybox httpd answering GET /who with NAME, so that an answer says which container gave it.
std::string webServer(const std::string& name, int port = 80) {
  return "sh -c 'mkdir -p /www && echo " + name + " > /www/who && exec httpd -f -p " + std::to_string(port) +
         " -h /www'";
}

class NetworkE2E : public ::testing::Test {
 protected:
  void SetUp() override { agent_ = std::make_unique<Agent>(lab_.agentNetns(), NetworkLab::agentConfig()); }

  Agent& agent() { return *agent_; }

  // run -d --net bridge NAME with `options` (-p ...) serving /who on `port`.
  void runWeb(const std::string& name, const std::string& options = "", int port = 80) {
    Ran ran =
        agent().ctl("run -d --name " + name + " --net bridge " + options + " busybox -- " + webServer(name, port));
    ASSERT_EQ(ran.exitCode, 0) << ran.out << agent().log();
  }
  void runIdle(const std::string& name, const std::string& net = "bridge") {
    Ran ran = agent().ctl("run -d --name " + name + " --net " + net + " busybox -- sleep 1000");
    ASSERT_EQ(ran.exitCode, 0) << ran.out << agent().log();
  }
  // What `command` prints inside container `name` (busybox applets), and its exit code.
  Ran inContainer(const std::string& name, const std::string& command) {
    return agent().ctl("exec " + name + " -- " + command);
  }
  // busybox wget in container `name`, retried for up to 3 s (a server just started may not
  // listen yet): the body, or the last failure. Bounded by busybox's timeout, not wget's -T,
  // which crashes Debian 12's static busybox 1.35 (SIGSEGV).
  std::string fetchIn(const std::string& name, const std::string& url) {
    Ran ran;
    eventually([&] {
      ran = inContainer(name, "timeout 2 wget -qO- " + url);
      return ran.exitCode == 0;
    });
    return ran.exitCode == 0 ? ran.out : "error: " + ran.out;
  }
  // GET /who from `netns`, retried for up to 3 s.
  std::string fetchFrom(const TestNetns& netns, const std::string& address, int port) {
    std::string body;
    eventually([&] {
      body = httpGet(netns, address, port, "/who");
      return body.rfind("error", 0) != 0;
    });
    return body;
  }
  std::string idOf(const std::string& name) {
    auto json = inspect(agent(), name);
    return json.is_object() && json.contains("id") ? json["id"].get<std::string>() : "";
  }

  // What is left in the host namespace of a container with `id` and `address`: its host-side
  // veth, its lease, a DNAT rule to its address; one line each, "" when nothing.
  std::string tracesOf(const std::string& id, const std::string& address) {
    std::string traces;
    std::string links = lab_.host().must("ip -o link show");
    if (id.size() >= 8 && links.find("veth" + id.substr(0, 8)) != std::string::npos)
      traces += "veth veth" + id.substr(0, 8) + "\n";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(agent().root() / "state" / "net" / "leases", ec)) {
      std::ifstream in(entry.path());
      std::string holder;
      std::getline(in, holder);
      if (entry.path().filename() == address || (!id.empty() && holder == id))
        traces += "lease " + entry.path().filename().string() + " (" + holder + ")\n";
    }
    std::string rules = lab_.host().must("nft list ruleset");
    if (!address.empty() && rules.find("dnat to " + address) != std::string::npos)
      traces += "rule dnat to " + address + "\n";
    return traces;
  }

  NetworkLab lab_;  // declared first: it outlives the agent, which runs inside it
  std::unique_ptr<Agent> agent_;
};

// The nameservers of a resolv.conf text.
std::vector<std::string> nameservers(const std::string& text) {
  std::vector<std::string> found;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string key, value;
    if (words >> key >> value && key == "nameserver") found.push_back(value);
  }
  return found;
}

std::string fileOrAbsent(const fs::path& path) {
  if (!fs::exists(fs::symlink_status(path))) return "(absent)";
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

// The lab itself, with no bridge: when this fails, the tests below say nothing of the feature.
TEST(NetworkLabE2E, AgentdRunsInTheLabsHostNamespaceWhichReachesTheOutside) {
  NetworkLab lab;
  WhoAmIServer outside(lab.outside(), 9000, "outside");
  EXPECT_EQ(askTcp(lab.host(), NetworkLab::kOutsideAddress, 9000), std::string("outside ") + NetworkLab::kHostAddress);
  Agent agent(lab.agentNetns(), "");
  EXPECT_EQ(fs::read_symlink("/proc/" + std::to_string(agent.pid()) + "/ns/net"), fs::read_symlink(lab.host().path()));
  EXPECT_NE(scrapeIn(lab.host(), agent).find("machine_cpu_cores"), std::string::npos);
  ASSERT_EQ(agent.ctl("run -d --name alone --net none busybox -- sleep 1000").exitCode, 0) << agent.log();
  Ran links = agent.ctl("exec alone -- ip -o link");
  EXPECT_NE(links.out.find("lo:"), std::string::npos) << links.out;
  EXPECT_EQ(links.out.find("eth0"), std::string::npos) << links.out;
  PortSquatter squatter(lab.host(), 18083);
  std::string listening = lab.host().must("ss -Hltnp 'sport = :18083'");
  EXPECT_NE(listening.find("pid=" + std::to_string(squatter.pid())), std::string::npos) << listening;
}

TEST_F(NetworkE2E, TwoBridgeContainersReachEachOtherByAddress) {
  runWeb("a");
  runIdle("b");
  std::string a = addressOf(agent(), "a"), b = addressOf(agent(), "b");
  EXPECT_EQ(a.rfind("10.213.0.", 0), 0u) << a;
  EXPECT_EQ(b.rfind("10.213.0.", 0), 0u) << b;
  EXPECT_NE(a, b);
  EXPECT_NE(a, NetworkLab::kGateway);
  EXPECT_EQ(fetchIn("b", "http://" + a + "/who"), "a\n");
}

TEST_F(NetworkE2E, AContainerReachesTheOutsideAsTheHostsAddress) {
  WhoAmIServer outside(lab_.outside(), 9000, "outside");
  runIdle("c");
  Ran ran = inContainer("c", std::string("nc -w 2 ") + NetworkLab::kOutsideAddress + " 9000");
  // The outside has no route to the bridge's subnet: it sees (and answers) the host's address.
  EXPECT_EQ(ran.out, std::string("outside ") + NetworkLab::kHostAddress) << ran.exitCode;
}

TEST_F(NetworkE2E, TheOutsideReachesPublishedTcpAndUdpPorts) {
  runWeb("web", "-p 18080:80 -p 15353:53/udp");
  EXPECT_EQ(fetchFrom(lab_.outside(), NetworkLab::kHostAddress, 18080), "web\n");
  // busybox's nc has no UDP: the container's UDP server is the test's, in its namespace.
  auto json = inspect(agent(), "web");
  ASSERT_TRUE(json.contains("pid")) << json.dump();
  WhoAmIServer udp("/proc/" + std::to_string(json["pid"].get<int>()) + "/ns/net", 53, "web-udp");
  std::string answer = askUdp(lab_.outside(), NetworkLab::kHostAddress, 15353);
  // DNAT alone: the container sees the outside's own address, as Docker's published ports do.
  EXPECT_EQ(answer, std::string("web-udp ") + NetworkLab::kOutsideAddress);
  // The published UDP port is no TCP port, nor the other way round.
  EXPECT_EQ(askTcp(lab_.outside(), NetworkLab::kHostAddress, 15353, 500).rfind("error", 0), 0u);
}

TEST_F(NetworkE2E, TheHostReachesAPublishedPortOnLoopbackAndOnItsOwnAddress) {
  runWeb("web", "-p 18080:80");
  EXPECT_EQ(fetchFrom(lab_.host(), "127.0.0.1", 18080), "web\n");
  EXPECT_EQ(fetchFrom(lab_.host(), NetworkLab::kHostAddress, 18080), "web\n");
}

TEST_F(NetworkE2E, ContainersReachPublishedPortsThroughTheHostHairpin) {
  runWeb("web", "-p 18080:80");
  runIdle("client");
  for (std::string host : {NetworkLab::kHostAddress, NetworkLab::kGateway}) {
    std::string url = "http://" + host + ":18080/who";
    EXPECT_EQ(fetchIn("client", url), "web\n") << "another container, " << url;
    EXPECT_EQ(fetchIn("web", url), "web\n") << "the container itself, " << url;
  }
}

TEST_F(NetworkE2E, AContainerSharingAnothersNetworkSeesItsInterfacesAndReachesItOnLoopback) {
  runWeb("web");
  runIdle("side", "container:web");
  std::string address = addressOf(agent(), "web");
  ASSERT_FALSE(address.empty());
  auto side = inspect(agent(), "side");
  EXPECT_EQ(side.value("network", ""), "container:" + idOf("web")) << side.dump();
  Ran addresses = inContainer("side", "ip -o -4 addr");
  EXPECT_NE(addresses.out.find("eth0    inet " + address + "/24"), std::string::npos) << addresses.out;
  EXPECT_NE(addresses.out.find("lo    inet 127.0.0.1/8"), std::string::npos) << addresses.out;
  EXPECT_EQ(inContainer("web", "ip -o -4 addr").out, addresses.out);
  EXPECT_EQ(fetchIn("side", "http://127.0.0.1:80/who"), "web\n");
}

TEST_F(NetworkE2E, RemovingAPodInEitherOrderLeavesNoVethLeaseOrRule) {
  for (bool hostFirst : {true, false}) {
    SCOPED_TRACE(hostFirst ? "web removed first" : "side removed first");
    runWeb("web", "-p 18080:80");
    runIdle("side", "container:web");
    std::string id = idOf("web"), sideId = idOf("side"), address = addressOf(agent(), "web");
    ASSERT_FALSE(address.empty());
    ASSERT_FALSE(sideId.empty());
    EXPECT_EQ(fetchIn("side", "http://127.0.0.1:80/who"), "web\n");
    for (const char* name : hostFirst ? std::vector{"web", "side"} : std::vector{"side", "web"}) {
      Ran rm = agent().ctl(std::string("rm -f ") + name);
      EXPECT_EQ(rm.exitCode, 0) << name << ": " << rm.out;
      // The sharer outliving web keeps lo alone: never an address whose lease is gone.
      // (agentd deletes the rules and the veth just after rm, on a thread of its own: an RCU
      // grace period rm need not wait for; the lease goes only after them.)
      if (hostFirst && std::string(name) == "web") {
        Ran left;
        EXPECT_TRUE(eventually([&] {
          left = inContainer("side", "ip -o -4 addr");
          return left.out.find(address) == std::string::npos;
        })) << left.out;
        EXPECT_NE(left.out.find("lo    inet 127.0.0.1/8"), std::string::npos) << left.out;
      }
    }
    EXPECT_TRUE(eventually([&] { return tracesOf(id, address).empty(); })) << tracesOf(id, address);
    EXPECT_EQ(tracesOf(sideId, ""), "");
  }
}

TEST_F(NetworkE2E, RemovingABridgeContainerLeavesNoVethLeaseOrRule) {
  runWeb("web", "-p 18080:80 -p 15353:53/udp");
  std::string id = idOf("web"), address = addressOf(agent(), "web");
  ASSERT_FALSE(address.empty());
  // Each trace is there to begin with, so that its absence afterwards says something.
  std::string before = tracesOf(id, address);
  EXPECT_NE(before.find("veth veth"), std::string::npos) << before;
  EXPECT_NE(before.find("lease " + address), std::string::npos) << before;
  EXPECT_NE(before.find("rule dnat"), std::string::npos) << before;
  ASSERT_EQ(agent().ctl("rm -f web").exitCode, 0);
  // The rules, the veth, then the lease go just after rm returns (see above).
  EXPECT_TRUE(eventually([&] { return tracesOf(id, address).empty(); })) << tracesOf(id, address);
  EXPECT_EQ(lab_.host().must("nft list ruleset").find("dport 18080"), std::string::npos);
}

TEST_F(NetworkE2E, PublishedPortsAndLeasesOutliveAKilledAgentd) {
  runWeb("web", "-p 18080:80");
  std::string address = addressOf(agent(), "web");
  ASSERT_FALSE(address.empty());
  ASSERT_EQ(fetchFrom(lab_.outside(), NetworkLab::kHostAddress, 18080), "web\n");
  agent().stop(SIGKILL);
  EXPECT_EQ(httpGet(lab_.outside(), NetworkLab::kHostAddress, 18080, "/who"), "web\n") << "while agentd is down";
  agent().start();
  EXPECT_EQ(fetchFrom(lab_.outside(), NetworkLab::kHostAddress, 18080), "web\n") << agent().log();
  EXPECT_EQ(addressOf(agent(), "web"), address);
  EXPECT_NE(tracesOf(idOf("web"), address).find("lease " + address + " (" + idOf("web") + ")"), std::string::npos);
  runIdle("late");
  std::string late = addressOf(agent(), "late");
  EXPECT_FALSE(late.empty());
  EXPECT_NE(late, address);
  EXPECT_EQ(fetchIn("late", "http://" + address + "/who"), "web\n");
}

TEST_F(NetworkE2E, AFlushedRulesetGetsTheAgentsTableBackWithinAnInterval) {
  runWeb("web", "-p 18080:80");
  ASSERT_EQ(fetchFrom(lab_.outside(), NetworkLab::kHostAddress, 18080), "web\n");
  lab_.host().must("nft list table ip agent");
  // A firewall reload, in the test's host namespace only (TestNetns refuses the machine's).
  lab_.host().must("nft flush ruleset");
  auto flushed = std::chrono::steady_clock::now();
  ASSERT_NE(lab_.host().sh("nft list table ip agent"), 0) << "the flush left the table";
  bool back = eventually([&] { return lab_.host().sh("nft list table ip agent") == 0; }, 3s);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - flushed);
  ASSERT_TRUE(back) << agent().log();
  // One collection interval is 0.5 s (NetworkLab::agentConfig); a second for the scheduling.
  EXPECT_LE(took.count(), 1500) << "the table came back after " << took.count() << " ms";
  EXPECT_EQ(fetchFrom(lab_.outside(), NetworkLab::kHostAddress, 18080), "web\n");
  std::optional<double> restored;
  eventually([&] {
    restored = sample(scrapeIn(lab_.host(), agent()), "agent_network_rules_restored_total");
    return restored && *restored >= 1;
  });
  ASSERT_TRUE(restored) << scrapeIn(lab_.host(), agent());
  EXPECT_GE(*restored, 1);
}

TEST_F(NetworkE2E, AHostPortAnotherContainerPublishesIsRefusedNamingThatContainer) {
  runWeb("web", "-p 18080:80");
  std::string webId = idOf("web");
  ASSERT_FALSE(webId.empty());
  Ran second = agent().ctl("run -d --name web2 --net bridge -p 18080:80 busybox -- " + webServer("web2"));
  EXPECT_NE(second.exitCode, 0) << second.out;
  EXPECT_NE(second.out.find("18080"), std::string::npos) << second.out;
  // "web" as a word (not web2's name) or its short id.
  bool named = std::regex_search(second.out, std::regex("\\bweb\\b")) ||
               second.out.find(webId.substr(0, 12)) != std::string::npos;
  EXPECT_TRUE(named) << second.out;
  EXPECT_EQ(fetchFrom(lab_.outside(), NetworkLab::kHostAddress, 18080), "web\n");
  // Another protocol on the same port number is another port.
  Ran udp = agent().ctl("run -d --name web3 --net bridge -p 18080:80/udp busybox -- sleep 1000");
  EXPECT_EQ(udp.exitCode, 0) << udp.out;
}

TEST_F(NetworkE2E, AHostPortAListeningSocketHoldsIsRefusedNamingTheProcess) {
  PortSquatter squatter(lab_.host(), 18083);
  Ran ran = agent().ctl("run -d --name web --net bridge -p 18083:80 busybox -- " + webServer("web"));
  EXPECT_NE(ran.exitCode, 0) << ran.out;
  EXPECT_NE(ran.out.find("18083"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("sleep"), std::string::npos) << "the holder is sleep: " << ran.out;
  EXPECT_NE(ran.out.find("pid " + std::to_string(squatter.pid())), std::string::npos)
      << "its pid " << squatter.pid() << ": " << ran.out;
  EXPECT_EQ(inspect(agent(), "web"), nullptr) << "nothing of the refused container is left";
}

TEST_F(NetworkE2E, APublishedPortWithoutAHostPortGetsAFreeOneThatAnswers) {
  runWeb("web", "-p 18081", 18081);
  auto json = inspect(agent(), "web");
  ASSERT_TRUE(json.contains("ports") && json["ports"].size() == 1) << json.dump();
  auto port = json["ports"][0];
  EXPECT_EQ(port.value("container_port", 0), 18081);
  EXPECT_EQ(port.value("proto", ""), "tcp");
  int hostPort = port.value("host_port", 0);
  ASSERT_GT(hostPort, 0) << json.dump();
  EXPECT_EQ(fetchFrom(lab_.outside(), NetworkLab::kHostAddress, hostPort), "web\n");
  Ran ps = agent().ctl("ps");
  EXPECT_NE(ps.out.find(":" + std::to_string(hostPort) + "->18081/tcp"), std::string::npos) << ps.out;
}

TEST(NetworkStartE2E, ABridgeSubnetOverlappingAHostRouteStopsAgentdWithASentence) {
  NetworkLab lab;
  lab.host().must("ip route add 10.213.0.0/16 via " + std::string(NetworkLab::kOutsideAddress));
  fs::path root = fs::temp_directory_path() / ("agent-test-e2e-overlap-" + std::to_string(::getpid()));
  fs::create_directories(root / "policies");
  {
    std::ofstream config(root / "agent.yaml");
    config << "standby_containers: 0\ndefault_network: bridge\n"
           << NetworkLab::agentConfig() << "engines: {docker: {enabled: false}, podman: {enabled: false}}\n";
  }
  std::string cgroupParent = "/agent-test-overlap-" + std::to_string(::getpid());
  Ran ran = shell("timeout 10 nsenter --net=" + lab.host().path() + " " AGENT_BIN_DIR "/agentd --config " +
                  (root / "agent.yaml").string() + " --state-dir " + (root / "state").string() + " --data-dir " +
                  (root / "data").string() + " --policy-dir " + (root / "policies").string() +
                  " --api-address 127.0.0.1:0 --metrics-address 127.0.0.1:0 --cgroup-parent " + cgroupParent);
  shell("for d in /sys/fs/cgroup/*" + cgroupParent + " /sys/fs/cgroup/*/*" + cgroupParent +
        "; do [ -d $d ] && rmdir $d; done");
  std::error_code ignored;
  fs::remove_all(root, ignored);
  EXPECT_NE(ran.exitCode, 0) << ran.out;
  EXPECT_LT(ran.exitCode, 124) << "agentd started despite the overlap (124: timeout killed it): " << ran.out;
  EXPECT_NE(ran.out.find("10.213.0.0/24"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("10.213.0.0/16"), std::string::npos) << "the sentence names the route: " << ran.out;
  EXPECT_EQ(lab.host().must("ip -o link show").find(NetworkLab::kBridge), std::string::npos)
      << "no bridge made by an agentd that refused to start";
}

TEST_F(NetworkE2E, NetworkMetricsCountAContainersTrafficAndItsPublishedPorts) {
  runWeb("web", "-p 18080:80");
  ASSERT_EQ(fetchFrom(lab_.outside(), NetworkLab::kHostAddress, 18080), "web\n");
  std::vector<std::string> eth0 = {"name=\"web\"", "interface=\"eth0\""};
  std::optional<double> before;
  ASSERT_TRUE(eventually([&] {
    before = sample(scrapeIn(lab_.host(), agent()), "container_network_receive_bytes_total", eth0);
    return before.has_value();
  })) << scrapeIn(lab_.host(), agent());
  // Twenty requests: each a connection of several hundred bytes the container receives.
  for (int i = 0; i < 20; ++i) ASSERT_EQ(httpGet(lab_.outside(), NetworkLab::kHostAddress, 18080, "/who"), "web\n");
  std::optional<double> after;
  EXPECT_TRUE(eventually([&] {
    after = sample(scrapeIn(lab_.host(), agent()), "container_network_receive_bytes_total", eth0);
    return after && *after >= *before + 20 * 200;
  })) << "before "
      << *before << ", after " << after.value_or(-1);
  std::string text = scrapeIn(lab_.host(), agent());
  auto port =
      sample(text, "agent_container_port",
             {"name=\"web\"", "host_ip=\"0.0.0.0\"", "host_port=\"18080\"", "container_port=\"80\"", "proto=\"tcp\""});
  ASSERT_TRUE(port) << text;
  EXPECT_EQ(*port, 1);
  EXPECT_FALSE(sample(text, "agent_container_port", {"name=\"web\"", "host_port=\"18081\""}));
  // Joinable with the container_* series and agent_container_state on `id` (the cgroup path).
  std::string id = "id=\"" + agent().cgroupParent() + "/" + idOf("web") + "\"";
  EXPECT_TRUE(sample(text, "agent_container_port", {id, "host_port=\"18080\""})) << id << "\n" << text;
  EXPECT_TRUE(sample(text, "container_network_receive_bytes_total", {id, "interface=\"eth0\""})) << text;
}

TEST_F(NetworkE2E, TheContainersNameFilesAreWrittenForItAndTheImageIsUntouched) {
  fs::path imageEtc = fs::path(AGENT_TEST_IMAGES) / "busybox" / "rootfs" / "etc";
  std::map<std::string, std::string> image;
  for (const char* file : {"resolv.conf", "hosts", "hostname"}) image[file] = fileOrAbsent(imageEtc / file);
  runIdle("named");
  std::string address = addressOf(agent(), "named");
  std::string hostname = inspect(agent(), "named").value("hostname", "");
  ASSERT_FALSE(address.empty());
  ASSERT_FALSE(hostname.empty());

  // resolv.conf: the host's nameservers that a container can reach, or the fallback for none.
  std::set<std::string> hostServers, loopback;
  std::ifstream hostFile("/etc/resolv.conf");
  for (const auto& server : nameservers(std::string((std::istreambuf_iterator<char>(hostFile)), {})))
    (server.rfind("127.", 0) == 0 || server == "::1" ? loopback : hostServers).insert(server);
  Ran resolv = inContainer("named", "cat /etc/resolv.conf");
  ASSERT_EQ(resolv.exitCode, 0) << resolv.out;
  auto servers = nameservers(resolv.out);
  EXPECT_FALSE(servers.empty()) << resolv.out;
  for (const auto& server : servers) {
    EXPECT_FALSE(server.rfind("127.", 0) == 0 || server == "::1") << "a loopback nameserver: " << resolv.out;
    EXPECT_TRUE(hostServers.count(server) || server == NetworkLab::kDnsFallback) << server << " in " << resolv.out;
  }
  if (hostServers.empty()) {
    EXPECT_NE(std::find(servers.begin(), servers.end(), NetworkLab::kDnsFallback), servers.end()) << resolv.out;
  }

  Ran hosts = inContainer("named", "grep -w " + address + " /etc/hosts");
  EXPECT_EQ(hosts.exitCode, 0) << inContainer("named", "cat /etc/hosts").out;
  EXPECT_NE(hosts.out.find(hostname), std::string::npos) << hosts.out;
  EXPECT_EQ(inContainer("named", "cat /etc/hostname").out, hostname + "\n");
  EXPECT_EQ(inContainer("named", "hostname").out, hostname + "\n");

  ASSERT_EQ(agent().ctl("rm -f named").exitCode, 0);
  for (const auto& [file, content] : image) EXPECT_EQ(fileOrAbsent(imageEtc / file), content) << file;
}

// Found by a newcomer's trial: `nat_table: filter` took iptables-nft's table and deleted it.
TEST_F(NetworkE2E, ATableOfThatNameThatIsNotAgentdsIsNeitherRewrittenNorDeleted) {
  lab_.host().must(
      "nft add table ip agent && nft add chain ip agent users_chain && "
      "nft add rule ip agent users_chain counter comment '\"users rule\"'");
  Ran refused = agent().ctl("run -d --name web --net bridge -p 18080:80 busybox -- " + webServer("web"));
  EXPECT_NE(refused.exitCode, 0) << refused.out;
  EXPECT_NE(refused.out.find("is not agentd's"), std::string::npos) << refused.out;
  std::string table = lab_.host().must("nft list table ip agent");
  EXPECT_NE(table.find("users rule"), std::string::npos) << table;
  EXPECT_EQ(table.find("dnat"), std::string::npos) << table;
}

// Found by a newcomer's trial: a partly flushed table (an empty chain) stayed so.
TEST_F(NetworkE2E, AChainEmptiedByHandIsWrittenAgain) {
  runWeb("web", "-p 18080:80");
  ASSERT_EQ(fetchFrom(lab_.outside(), NetworkLab::kHostAddress, 18080), "web\n");
  lab_.host().must("nft flush chain ip agent published");
  EXPECT_TRUE(eventually([&] {
    return lab_.host().must("nft list table ip agent").find("dport 18080") != std::string::npos;
  })) << agent().log();
  EXPECT_EQ(fetchFrom(lab_.outside(), NetworkLab::kHostAddress, 18080), "web\n");
}

// Found by a newcomer's trial: a bridge deleted and made again left the running containers' veths
// off it.
TEST_F(NetworkE2E, AfterTheBridgeWasDeletedARestartedAgentdPutsTheVethsBackOnIt) {
  runWeb("web", "-p 18080:80");
  ASSERT_EQ(fetchFrom(lab_.outside(), NetworkLab::kHostAddress, 18080), "web\n");
  agent().stop(SIGKILL);
  lab_.host().must(std::string("ip link del ") + NetworkLab::kBridge);
  agent().start();
  EXPECT_EQ(fetchFrom(lab_.outside(), NetworkLab::kHostAddress, 18080), "web\n") << agent().log();
  std::string ports = lab_.host().must(std::string("ip -o link show master ") + NetworkLab::kBridge);
  EXPECT_NE(ports.find("veth" + idOf("web").substr(0, 8)), std::string::npos) << ports;
}

// Found by a newcomer's trial: bridge_subnet changed with containers on the bridge broke every
// later run; agentd now refuses to start, saying which containers and what to do.
TEST_F(NetworkE2E, ChangingBridgeSubnetWithContainersOnTheBridgeStopsAgentdNamingThem) {
  runWeb("web", "-p 18080:80");
  agent().stop(SIGTERM);
  std::string config = NetworkLab::agentConfig();
  size_t at = config.find("10.213.0.0/24");
  ASSERT_NE(at, std::string::npos) << config;
  std::string changed = config;
  changed.replace(at, std::string("10.213.0.0/24").size(), "10.214.0.0/24");
  fs::path root = agent().root();
  {
    std::ofstream file(root / "changed.yaml");
    file << "standby_containers: 0\n" << changed << "engines: {docker: {enabled: false}, podman: {enabled: false}}\n";
  }
  Ran ran = shell("timeout 10 nsenter --net=" + lab_.host().path() + " " AGENT_BIN_DIR "/agentd --config " +
                  (root / "changed.yaml").string() + " --state-dir " + (root / "state").string() + " --data-dir " +
                  (root / "data").string() + " --policy-dir " + (root / "policies").string() +
                  " --api-address 127.0.0.1:0 --metrics-address 127.0.0.1:0 --cgroup-parent " + agent().cgroupParent());
  EXPECT_EQ(ran.exitCode, 2) << ran.out;
  EXPECT_NE(ran.out.find("containers made with an earlier one"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("web (10.213.0."), std::string::npos) << ran.out;
  EXPECT_EQ(httpGet(lab_.outside(), NetworkLab::kHostAddress, 18080, "/who"), "web\n") << "the old one still answers";
  agent().start();  // the old config: its teardown removes web
}

// -P: the image's ExposedPorts (the layered `app` image exposes 8080/tcp:
// scripts/make-layered-images.sh), each on a free host port.
TEST_F(NetworkE2E, PublishAllPublishesTheImagesExposedPortsOnFreeHostPorts) {
  Ran loaded = agent().ctl("image load -i " AGENT_LAYERED_IMAGES "/app.tar");
  ASSERT_EQ(loaded.exitCode, 0) << loaded.out;
  Ran ran = agent().ctl(
      "run -d --name app --net bridge -P app:v1 -- sh -c 'mkdir -p /tmp/www && echo app > "
      "/tmp/www/who && exec httpd -f -p 8080 -h /tmp/www'");
  ASSERT_EQ(ran.exitCode, 0) << ran.out << agent().log();
  auto json = inspect(agent(), "app");
  ASSERT_TRUE(json.contains("ports") && json["ports"].size() == 1) << json.dump();
  EXPECT_EQ(json["ports"][0].value("container_port", 0), 8080);
  int hostPort = json["ports"][0].value("host_port", 0);
  ASSERT_GT(hostPort, 0) << json.dump();
  EXPECT_EQ(fetchFrom(lab_.outside(), NetworkLab::kHostAddress, hostPort), "app\n");
}

// A bridge container that no standby can serve (--userns auto: a user namespace of its own) is
// started by a shim that waits with the prepared PID 1 for its veth (agent-shim --await-release).
TEST_F(NetworkE2E, AColdStartedBridgeContainerHasItsAddressBeforeItsCommandRuns) {
  Ran ran = agent().ctl("run --rm --net bridge --userns auto busybox -- ip -4 -o addr show eth0");
  ASSERT_EQ(ran.exitCode, 0) << ran.out << agent().log();
  EXPECT_NE(ran.out.find("inet 10.213.0."), std::string::npos) << ran.out;
}
