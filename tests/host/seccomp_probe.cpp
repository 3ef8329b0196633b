// seccomp-probe: runs inside a container (static, so any rootfs can hold it) and prints one
// line per attempt, "<what> ok" or "<what> <errno name>", for the seccomp host tests: the
// calls Docker's default profile refuses, and the ordinary work it must leave alone.
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/reboot.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

namespace {

const char* errnoName(int e) {
  switch (e) {
    case EPERM:
      return "EPERM";
    case ENOSYS:
      return "ENOSYS";
    case EINVAL:
      return "EINVAL";
    case EACCES:
      return "EACCES";
    case ENOENT:
      return "ENOENT";
    case EAFNOSUPPORT:
      return "EAFNOSUPPORT";
    case EFAULT:
      return "EFAULT";
    case EBUSY:
      return "EBUSY";
    default:
      return strerrordesc_np(e);
  }
}

void report(const char* what, long result) {
  std::printf("%s %s\n", what, result >= 0 ? "ok" : errnoName(errno));
  std::fflush(stdout);
}

// In a child, so that a call that succeeds (a new namespace) changes nothing here.
void inChild(const char* what, long (*call)()) {
  pid_t pid = ::fork();
  if (pid == 0) {
    report(what, call());
    ::_exit(0);
  }
  ::waitpid(pid, nullptr, 0);
}

}  // namespace

int main() {
  inChild("unshare-user", [] { return long(::unshare(CLONE_NEWUSER)); });
  inChild("unshare-mount", [] { return long(::unshare(CLONE_NEWNS)); });
  // mount in a new user namespace: where Docker's profile stops what capabilities allow.
  inChild("userns-mount", [] {
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return -1L;
    return long(::mount("none", "/tmp", "tmpfs", 0, nullptr));
  });
  inChild("clone-newuser", [] {
    long pid = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) ::_exit(0);
    if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
    return pid;
  });
  report("keyctl", ::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
  report("add_key", ::syscall(SYS_add_key, "user", "probe", "x", 1, KEY_SPEC_PROCESS_KEYRING));
  // Bad magic: without a filter (and with CAP_SYS_BOOT) the kernel says EINVAL.
  report("reboot", ::syscall(SYS_reboot, 0, 0, 0, nullptr));
  report("swapon", ::swapon("/nonexistent-swap", 0));
  report("bpf", ::syscall(SYS_bpf, 0, nullptr, 0));
  report("socket-vsock", ::socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
  // clone3 must be ENOSYS, not EPERM: glibc then falls back to clone, which is filtered.
  report("clone3", ::syscall(SYS_clone3, nullptr, 0));
  report("personality-query", ::personality(0xffffffffUL));

  report("socket-inet", ::socket(AF_INET, SOCK_STREAM, 0));
  pid_t child = ::fork();
  if (child == 0) ::_exit(7);
  int status = 0;
  ::waitpid(child, &status, 0);
  report("fork", WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : -1);
  int counted = 0;
  std::thread worker([&] { counted = 42; });
  worker.join();
  report("thread", counted == 42 ? 0 : -1);
  void* memory = ::mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory != MAP_FAILED) std::memset(memory, 1, 1 << 20);
  report("mmap", memory == MAP_FAILED ? -1 : 0);
  int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  int pipes[2];
  long epolled = -1;
  if (epoll >= 0 && ::pipe2(pipes, O_CLOEXEC) == 0) {
    epoll_event event{EPOLLIN, {}};
    if (::epoll_ctl(epoll, EPOLL_CTL_ADD, pipes[0], &event) == 0 && ::write(pipes[1], "x", 1) == 1) {
      epoll_event got{};
      epolled = ::epoll_wait(epoll, &got, 1, 1000) == 1 ? 0 : -1;
    }
  }
  report("epoll", epolled);
  return 0;
}
