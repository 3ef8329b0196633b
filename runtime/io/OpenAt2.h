#pragma once
// openat2(2), which glibc 2.36 does not wrap, retried on EAGAIN: the kernel asks for a retry
// when a rename anywhere on the system raced a RESOLVE_IN_ROOT or RESOLVE_BENEATH lookup.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace agent {

// A descriptor (or -1 with errno set) on `path` under `dirFd`, opened with `flags` | O_CLOEXEC
// and resolved by `resolve` (RESOLVE_* bits).
inline int openat2Retrying(int dirFd, const char* path, uint64_t flags, uint64_t resolve) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = resolve;
  int fd = -1;
  for (int attempt = 0; attempt < 32; ++attempt) {
    fd = static_cast<int>(::syscall(SYS_openat2, dirFd, path, &how, sizeof how));
    if (fd >= 0 || errno != EAGAIN) break;
  }
  return fd;
}

}  // namespace agent
