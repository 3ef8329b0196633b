#pragma once
// Network namespaces a test makes for itself, and what runs in them. The machine's own network
// belongs to others: every link, address, route, sysctl and nftables table a network test makes
// lives in one of these, and goes away with it.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

namespace agent::hosttest {

// A forked child that unshared CLONE_NEWNET and holds the namespace until this object ends (it
// is killed by pid and reaped; it also ends when the test process dies, by its lifeline pipe).
class TestNetns {
 public:
  TestNetns();
  ~TestNetns();
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;

  pid_t pid() const { return pid_; }
  std::string path() const;  // /proc/PID/ns/net

  // `sh -c command` inside, through nsenter(1): the exit status (0: success); output and errors
  // together in *output when given.
  int sh(const std::string& command, std::string* output = nullptr) const;
  // sh, throwing with the command and its output when it fails: for the set-up.
  std::string must(const std::string& command) const;
  // Runs `body` on a new thread that joined this namespace after checking that it is not the
  // machine's (the test's own thread never moves); returns when the body has.
  void inside(const std::function<void()>& body) const;

 private:
  pid_t pid_ = -1;
  int lifeline_ = -1;
};

// Whether the calling thread's network namespace is neither pid 1's nor the process's first
// thread's: a namespace a test made.
bool threadInTestNetns();

// A child in `netns` answering on TCP and UDP `port` (every address) with "NAME PEER": who
// answers, and the source address it saw the question come from.
class WhoAmIServer {
 public:
  WhoAmIServer(const TestNetns& netns, uint16_t port, std::string name);
  // In the network namespace at `netnsPath` (a container's /proc/PID/ns/net).
  WhoAmIServer(const std::string& netnsPath, uint16_t port, std::string name);
  ~WhoAmIServer();
  WhoAmIServer(const WhoAmIServer&) = delete;
  WhoAmIServer& operator=(const WhoAmIServer&) = delete;

 private:
  pid_t pid_ = -1;
};

// Asks a WhoAmIServer from inside `netns`: its answer, or "error: ..." (refused, timed out).
std::string askTcp(const TestNetns& netns, const std::string& address, uint16_t port, int timeoutMs = 2000);
std::string askUdp(const TestNetns& netns, const std::string& address, uint16_t port, int timeoutMs = 2000);

}  // namespace agent::hosttest
