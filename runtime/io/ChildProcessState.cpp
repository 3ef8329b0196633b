#include "ChildProcessState.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace agent {

namespace {

// close_range(2) where the kernel has it (5.9; CLOSE_RANGE_CLOEXEC 5.11).
bool closeRange(unsigned first, unsigned last, unsigned flags) {
#ifdef SYS_close_range
  return first > last || ::syscall(SYS_close_range, first, last, flags) == 0;
#else
  (void)first, (void)last, (void)flags;
  return false;
#endif
}

rlimit originalFdLimit{};
bool fdLimitRaised = false;

// The highest descriptor number that could be open, for kernels without close_range.
int fdCeiling() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > (1u << 20))
    return 1 << 20;
  return static_cast<int>(limit.rlim_cur);
}

// rt_sigaction(2) as the kernel takes it (its struct, not glibc's): SIG_DFL, no flags, an
// empty mask. Async-signal-safe.
void resetKernelSignal(int sig) {
  struct KernelSigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    unsigned long mask;  // the kernel's sigset_t: 64 signals
  } defaults{SIG_DFL, 0, nullptr, 0};
  ::syscall(SYS_rt_sigaction, sig, &defaults, nullptr, sizeof defaults.mask);
}

}  // namespace

void raiseFdLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  rlimit raised = limit;
  // An unlimited hard limit is still capped by fs.nr_open (1048576 by default).
  raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? rlim_t{1} << 20 : limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) return;
  originalFdLimit = limit;
  fdLimitRaised = true;
}

void restoreFdLimit() {
  if (fdLimitRaised) ::setrlimit(RLIMIT_NOFILE, &originalFdLimit);
}

void resetSignalState() {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction defaults {};
  defaults.sa_handler = SIG_DFL;
  sigemptyset(&defaults.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) {
    // glibc keeps the two signals below SIGRTMIN for its threads and refuses them (EINVAL), but
    // an ignored one passes through exec all the same (seen: 32 ignored by whatever started
    // the test run, then in every container): set them with the kernel's own call.
    if (sig >= 32 && sig < SIGRTMIN) {
      resetKernelSignal(sig);
      continue;
    }
    ::sigaction(sig, &defaults, nullptr);  // EINVAL for KILL/STOP
  }
}

void ignoreStraySignals() {
  resetSignalState();
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) {
    switch (sig) {
      case SIGKILL:
      case SIGSTOP:
      case SIGCHLD:
      case SIGCONT:
      case SIGSEGV:
      case SIGBUS:
      case SIGILL:
      case SIGFPE:
      case SIGABRT:
      case SIGTRAP:
      case SIGSYS:
        continue;
      default:
        ::sigaction(sig, &ignore, nullptr);
    }
  }
}

void closeFdsFrom(int lowest, const int* keep, int keepCount) {
  // Closed in the ranges between the kept descriptors (sorted here without allocating).
  int kept[16];
  int n = 0;
  for (int i = 0; i < keepCount && n < 16; ++i)
    if (keep[i] >= lowest) kept[n++] = keep[i];
  for (int i = 1; i < n; ++i)
    for (int j = i; j > 0 && kept[j - 1] > kept[j]; --j) {
      int t = kept[j];
      kept[j] = kept[j - 1];
      kept[j - 1] = t;
    }
  int from = lowest;
  auto closeUpTo = [](int first, unsigned last) {
    if (closeRange(static_cast<unsigned>(first), last, 0)) return;
    int ceiling = fdCeiling();
    for (int fd = first; fd < ceiling && static_cast<unsigned>(fd) <= last; ++fd) ::close(fd);
  };
  for (int i = 0; i < n; ++i) {
    if (kept[i] > from) closeUpTo(from, static_cast<unsigned>(kept[i] - 1));
    if (kept[i] + 1 > from) from = kept[i] + 1;
  }
  closeUpTo(from, ~0U);
}

void closeOnExecFrom(int lowest) {
  if (closeRange(static_cast<unsigned>(lowest), ~0U, CLOSE_RANGE_CLOEXEC)) return;
  int ceiling = fdCeiling();
  for (int fd = lowest; fd < ceiling; ++fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC)) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
}

}  // namespace agent
