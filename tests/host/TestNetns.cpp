#include "TestNetns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

namespace agent::hosttest {
namespace {

ino_t netnsInode(const char* path) {
  struct stat st {};
  if (stat(path, &st) != 0) return 0;
  return st.st_ino;
}

void killAndReap(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// The quoting of a word for sh -c.
std::string quoted(const std::string& word) {
  std::string text = "'";
  for (char c : word) text += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return text + "'";
}

// The server's loop, in the forked child: system calls only.
[[noreturn]] void serveWhoAmI(const std::string& netnsPath, uint16_t port, const std::string& name, int ready) {
  int ns = open(netnsPath.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) _exit(10);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_port = htons(port);
  int one = 1;
  int tcp = socket(AF_INET, SOCK_STREAM, 0);
  int udp = socket(AF_INET, SOCK_DGRAM, 0);
  setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(tcp, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 || listen(tcp, 16) != 0) _exit(11);
  if (bind(udp, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) _exit(12);
  (void)!write(ready, "y", 1);
  close(ready);
  for (;;) {
    pollfd fds[2] = {{tcp, POLLIN, 0}, {udp, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    char question[512];
    char answer[128];
    char from[INET_ADDRSTRLEN] = {};
    if (fds[0].revents & POLLIN) {
      int connection = accept(tcp, reinterpret_cast<sockaddr*>(&peer), &length);
      if (connection < 0) continue;
      inet_ntop(AF_INET, &peer.sin_addr, from, sizeof from);
      int n = snprintf(answer, sizeof answer, "%s %s", name.c_str(), from);
      (void)!write(connection, answer, n);
      close(connection);
    }
    if (fds[1].revents & POLLIN) {
      length = sizeof peer;
      if (recvfrom(udp, question, sizeof question, 0, reinterpret_cast<sockaddr*>(&peer), &length) < 0) continue;
      inet_ntop(AF_INET, &peer.sin_addr, from, sizeof from);
      int n = snprintf(answer, sizeof answer, "%s %s", name.c_str(), from);
      sendto(udp, answer, n, 0, reinterpret_cast<sockaddr*>(&peer), length);
    }
  }
}

sockaddr_in target(const std::string& address, uint16_t port) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &to.sin_addr);
  return to;
}

void setTimeouts(int fd, int timeoutMs) {
  timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // bounds connect(2) too
}

std::string errorText(const char* what) {
  return std::string("error: ") + what + ": " + std::strerror(errno);
}

}  // namespace

bool threadInTestNetns() {
  ino_t mine = netnsInode("/proc/thread-self/ns/net");
  return mine != 0 && mine != netnsInode("/proc/1/ns/net") && mine != netnsInode("/proc/self/ns/net");
}

TestNetns::TestNetns() {
  int ready[2];
  int lifeline[2];
  if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(lifeline, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(ready[0]);
    close(lifeline[1]);
    char status = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
    (void)!write(ready[1], &status, 1);
    char byte;
    while (read(lifeline[0], &byte, 1) < 0 && errno == EINTR) {
    }
    _exit(0);
  }
  close(ready[1]);
  close(lifeline[0]);
  lifeline_ = lifeline[1];
  char status = 'n';
  bool got = read(ready[0], &status, 1) == 1;
  close(ready[0]);
  if (!got || status != 'y') {
    killAndReap(pid_);
    close(lifeline_);
    throw std::runtime_error("could not unshare a network namespace for the test");
  }
}

TestNetns::~TestNetns() {
  killAndReap(pid_);
  close(lifeline_);
}

std::string TestNetns::path() const {
  return "/proc/" + std::to_string(pid_) + "/ns/net";
}

int TestNetns::sh(const std::string& command, std::string* output) const {
  // The command may be `nft flush ruleset`: never where it would reach the machine's network.
  ino_t target = netnsInode(path().c_str());
  if (target == 0 || target == netnsInode("/proc/1/ns/net") || target == netnsInode("/proc/self/ns/net"))
    throw std::runtime_error("refusing `" + command + "`: " + path() + " is not a namespace the test made");
  // ip and nft live in sbin, which a guest's or a user's PATH may lack (the VM tier's is /bin).
  std::string line = "nsenter --net=" + path() +
                     " env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin sh -c " + quoted(command) +
                     " 2>&1";
  FILE* pipe = popen(line.c_str(), "r");
  if (!pipe) return -1;
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
  int status = pclose(pipe);
  if (output) *output = text;
  return status == -1 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string TestNetns::must(const std::string& command) const {
  std::string output;
  if (sh(command, &output) != 0) throw std::runtime_error("`" + command + "` failed: " + output);
  return output;
}

void TestNetns::inside(const std::function<void()>& body) const {
  std::string failure;
  std::thread thread([&] {
    int ns = open(path().c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) failure = errorText("join the test's network namespace");
    if (ns >= 0) close(ns);
    if (failure.empty() && !threadInTestNetns()) failure = "the thread is in the machine's network namespace";
    if (failure.empty()) body();
  });
  thread.join();
  if (!failure.empty()) throw std::runtime_error(failure);
}

WhoAmIServer::WhoAmIServer(const TestNetns& netns, uint16_t port, std::string name)
    : WhoAmIServer(netns.path(), port, std::move(name)) {}

WhoAmIServer::WhoAmIServer(const std::string& path, uint16_t port, std::string name) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(ready[0]);
    serveWhoAmI(path, port, name, ready[1]);
  }
  close(ready[1]);
  char byte = 0;
  bool listening = read(ready[0], &byte, 1) == 1;  // EOF: the child failed before listening
  close(ready[0]);
  if (!listening) {
    killAndReap(pid_);
    throw std::runtime_error("the test server " + name + " could not listen on port " + std::to_string(port));
  }
}

WhoAmIServer::~WhoAmIServer() {
  killAndReap(pid_);
}

std::string askTcp(const TestNetns& netns, const std::string& address, uint16_t port, int timeoutMs) {
  std::string answer;
  netns.inside([&] {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setTimeouts(fd, timeoutMs);
    sockaddr_in to = target(address, port);
    if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      answer = errorText("connect");
    } else {
      char buffer[256];
      ssize_t n = read(fd, buffer, sizeof buffer);
      answer = n < 0 ? errorText("read") : std::string(buffer, n);
    }
    close(fd);
  });
  return answer;
}

std::string askUdp(const TestNetns& netns, const std::string& address, uint16_t port, int timeoutMs) {
  std::string answer;
  netns.inside([&] {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    setTimeouts(fd, timeoutMs);
    sockaddr_in to = target(address, port);
    if (sendto(fd, "who", 3, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) != 3) {
      answer = errorText("sendto");
    } else {
      char buffer[256];
      ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      answer = n < 0 ? errorText("recv") : std::string(buffer, n);
    }
    close(fd);
  });
  return answer;
}

}  // namespace agent::hosttest
