#pragma once
// agentctl's own terminal while it relays a container's: raw (cfmakeraw: every key, Ctrl-C and
// Ctrl-Z included, goes to the container as a byte; the container's terminal does the echo and
// the line editing), and restored on every way out: the destructor (a normal end, an error, a
// detach) and the signals that end agentctl (SIGTERM, SIGHUP, SIGQUIT, SIGINT from kill), whose
// handler restores it and dies of the signal as before.
#include <termios.h>

namespace agent::ctl {

class RawTerminal {
 public:
  // Makes `fd` raw if it is a terminal (else nothing).
  explicit RawTerminal(int fd);
  ~RawTerminal() { restore(); }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;
  void restore();
  bool active() const { return active_; }

 private:
  int fd_;
  bool active_ = false;
};

// The window size of terminal `fd`; false if it is not one.
bool windowSize(int fd, unsigned& rows, unsigned& columns);

// A descriptor that becomes readable on each SIGWINCH (a self-pipe), for poll().
int windowChanges();

// `run -t` without -i (agentctl's terminal stays cooked, so Ctrl-C is a signal to agentctl):
// SIGINT, SIGTERM, SIGHUP and SIGQUIT are caught, and each is one byte (its number) to read
// from this descriptor, to be passed on to the container as docker's sig-proxy does.
int proxiedSignals();

}  // namespace agent::ctl
