#pragma once
// (ScratchNetns: the links tests' namespaces; NatTableNetnsTest has its own TestNetns.h, with servers.)
// Network namespaces made by a test (issue 15's host tier): the machine's own namespace is
// never written. A namespace is made by a thread that unshare(2)s and opens its
// /proc/thread-self/ns/net; the fd keeps it alive after the thread ends and it goes with the
// fd, on every path. Work in it runs on a thread that setns(2)es into it and first asserts
// that it is not the namespace the test process started in, nor PID 1's.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>

#include "UniqueFd.h"

namespace agent::hosttest {

inline ino_t netnsInode(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 ? st.st_ino : 0;
}

// The namespace the process started in: read before any test runs.
inline const ino_t kStartingNetns = netnsInode("/proc/self/ns/net");

class ScratchNetns {
 public:
  ScratchNetns() {
    std::thread maker([this] {
      if (::unshare(CLONE_NEWNET) == 0) fd_.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    });
    maker.join();
  }
  bool valid() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }
  // For nsenter --net=PATH: the fd as this process holds it.
  std::string path() const { return "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fd_.get()); }

 private:
  UniqueFd fd_;
};

// Runs `body` inside `ns` on its own thread; the calling thread stays where it is.
inline void inNetns(const ScratchNetns& ns, const std::function<void()>& body) {
  std::thread worker([&] {
    ASSERT_TRUE(ns.valid()) << "the test could not make a network namespace";
    ASSERT_EQ(::setns(ns.fd(), CLONE_NEWNET), 0) << "setns";
    ino_t here = netnsInode("/proc/thread-self/ns/net");
    ASSERT_NE(here, 0u);
    ASSERT_NE(here, kStartingNetns) << "refusing to touch the namespace the test started in";
    ASSERT_NE(here, netnsInode("/proc/1/ns/net")) << "refusing to touch the machine's namespace";
    body();
  });
  worker.join();
}

// A command's output and exit status, run inside `ns` by nsenter(1) (util-linux) so that the
// read-back is iproute2's, not our own netlink code's.
struct CommandResult {
  std::string output;
  int status = -1;
};
inline CommandResult runInNetns(const ScratchNetns& ns, const std::string& command) {
  CommandResult result;
  std::string line = "nsenter --net=" + ns.path() + " " + command + " 2>&1";
  FILE* pipe = ::popen(line.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 512> buffer{};
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) result.output.append(buffer.data(), n);
  result.status = ::pclose(pipe);
  return result;
}

}  // namespace agent::hosttest
