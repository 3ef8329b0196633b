#pragma once
// What the side-by-side benchmarks share: the CPU time of one systemd-cgtop refresh (the
// peer), and medians and percentiles of repeated measurements.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace agent::bench {

// User + system CPU seconds of one run of `systemd-cgtop -b -n 1 --depth=DEPTH <path>`, or
// nothing on failure.
inline std::optional<double> cgtopCpuSeconds(const std::string& path, int depth) {
  std::string depthFlag = "--depth=" + std::to_string(depth);  // before fork: no allocation after
  pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    if (std::freopen("/dev/null", "w", stdout) == nullptr) ::_exit(127);
    ::execlp("systemd-cgtop", "systemd-cgtop", "-b", "-n", "1", depthFlag.c_str(), path.c_str(), nullptr);
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  if (::wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Raises the open-files limit as far as allowed: held control files cost ~21 fds per group.
// Returns the limit in effect.
inline unsigned long raiseOpenFilesLimit() {
  rlimit files{65536, 65536};
  if (::setrlimit(RLIMIT_NOFILE, &files) != 0) {
    ::getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  return static_cast<unsigned long>(files.rlim_cur);
}

// The value below which a share `p` (0.5: the median) of `values` lies.
inline double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  size_t index = std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())));
  return values[index];
}

}  // namespace agent::bench
