#include "TerminalMode.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <initializer_list>

namespace agent::ctl {

namespace {

// For the signal handler: one terminal at a time is raw in agentctl.
int gRawFd = -1;
termios gSaved{};
int gWinchPipe[2] = {-1, -1};

void restoreAndDie(int signal) {
  if (gRawFd >= 0) ::tcsetattr(gRawFd, TCSADRAIN, &gSaved);
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

void windowChanged(int) {
  int saved = errno;
  char c = 'w';
  (void)!::write(gWinchPipe[1], &c, 1);
  errno = saved;
}

}  // namespace

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (!::isatty(fd) || ::tcgetattr(fd, &gSaved) != 0) return;
  gRawFd = fd;
  // Handlers before the change: a signal in between finds the terminal to restore.
  for (int signal : {SIGTERM, SIGHUP, SIGQUIT, SIGINT}) {
    struct sigaction action {};
    action.sa_handler = restoreAndDie;
    sigemptyset(&action.sa_mask);
    ::sigaction(signal, &action, nullptr);
  }
  termios raw = gSaved;
  ::cfmakeraw(&raw);
  // TCSADRAIN, not TCSAFLUSH: what the user typed ahead (before the session began) is kept
  // and goes to the container.
  active_ = ::tcsetattr(fd, TCSADRAIN, &raw) == 0;
}

void RawTerminal::restore() {
  if (!active_) return;
  ::tcsetattr(fd_, TCSADRAIN, &gSaved);
  active_ = false;
  gRawFd = -1;
  for (int signal : {SIGTERM, SIGHUP, SIGQUIT, SIGINT}) ::signal(signal, SIG_DFL);
}

bool windowSize(int fd, unsigned& rows, unsigned& columns) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) return false;
  rows = size.ws_row;
  columns = size.ws_col;
  return true;
}

namespace {
int gSignalPipe[2] = {-1, -1};

void signalArrived(int signal) {
  int saved = errno;
  char number = static_cast<char>(signal);
  (void)!::write(gSignalPipe[1], &number, 1);
  errno = saved;
}
}  // namespace

int proxiedSignals() {
  if (gSignalPipe[0] >= 0) return gSignalPipe[0];
  if (::pipe2(gSignalPipe, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    struct sigaction action {};
    action.sa_handler = signalArrived;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(signal, &action, nullptr);
  }
  return gSignalPipe[0];
}

int windowChanges() {
  if (gWinchPipe[0] >= 0) return gWinchPipe[0];
  if (::pipe2(gWinchPipe, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
  struct sigaction action {};
  action.sa_handler = windowChanged;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGWINCH, &action, nullptr);
  return gWinchPipe[0];
}

}  // namespace agent::ctl
