#pragma once
// What a process we start must not inherit from its starter: the starter's signal mask and
// dispositions (agentd blocks SIGTERM/SIGINT/SIGHUP/SIGCHLD and ignores SIGPIPE; a shim
// ignores most signals), and its file descriptors (agentd's own, whatever agentd inherited,
// the write ends of other shims' pipes). All but raiseFdLimit() are async-signal-safe: they
// run between fork and exec in a child of a multithreaded process, where nothing may allocate.
namespace agent {

// Empties the signal mask and gives every signal its default action.
void resetSignalState();

// For a process that must outlive whatever signals come its way (agent-shim: its end would
// lose a running container's exit code): an empty mask, and every signal that would end or
// stop it ignored, but for those the kernel raises for its own faults (SIGSEGV, SIGBUS,
// SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS), which keep their default so a crash is a crash.
// SIGCHLD keeps its default too (ignoring it would reap children behind waitpid's back).
// SIGKILL cannot be ignored. Dispositions set to ignore pass through fork and exec: a child
// that runs anything else calls resetSignalState() first.
void ignoreStraySignals();

// Closes every file descriptor from `lowest` up, except the `keepCount` (at most 16) in `keep`.
void closeFdsFrom(int lowest, const int* keep = nullptr, int keepCount = 0);

// Marks every file descriptor from `lowest` up close-on-exec: they go at exec, and stay
// usable until then (a pipe that reports why the exec failed).
void closeOnExecFrom(int lowest);

// agentd holds a descriptor per cgroup directory it watches and a pidfd per container: the
// usual soft limit of 1024 ran out at about 110 containers. Raises the soft limit to the
// hard one and remembers the old value, which restoreFdLimit() (in a child, before exec)
// gives back to shims and containers, so they start with what agentd was given.
void raiseFdLimit();
void restoreFdLimit();

}  // namespace agent
