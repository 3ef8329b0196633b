#include "ExecTerminal.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

namespace agent::container {

bool takeTerminalInside(int socket, uint16_t rows, uint16_t columns) {
  // The container's /dev/ptmx (a link to its own devpts instance's, RootfsMounts.cpp).
  int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return false;
  char name[64];
  if (::unlockpt(master) != 0 || ::ptsname_r(master, name, sizeof name) != 0) return false;
  int slave = ::open(name, O_RDWR | O_NOCTTY);
  if (slave < 0) return false;
  if (rows != 0 && columns != 0) {
    winsize size{rows, columns, 0, 0};
    ::ioctl(master, TIOCSWINSZ, &size);
  }
  // The caller is a session leader without a terminal (it called setsid): this one becomes
  // its controlling terminal, so ^C reaches the foreground group and a hang-up (agentd
  // closing the master) reaches the command.
  if (::ioctl(slave, TIOCSCTTY, 0) != 0) return false;
  for (int fd = 0; fd < 3; ++fd)
    if (::dup2(slave, fd) < 0) return false;
  if (slave > 2) ::close(slave);

  char byte = 't';
  iovec data{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(header), &master, sizeof master);
  bool sent = ::sendmsg(socket, &message, MSG_NOSIGNAL) == 1;
  ::close(master);  // agentd's now: the command keeps only the slave
  return sent;
}

Result<UniqueFd> receiveTerminal(int socket, int timeoutMs) {
  pollfd ready{socket, POLLIN, 0};
  int polled;
  while ((polled = ::poll(&ready, 1, timeoutMs)) < 0 && errno == EINTR) {
  }
  if (polled == 0) return userError("the exec helper sent no terminal in time", ETIMEDOUT);
  char byte = 0;
  iovec data{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  cmsghdr* header = n == 1 ? CMSG_FIRSTHDR(&message) : nullptr;
  if (header == nullptr || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS ||
      header->cmsg_len != CMSG_LEN(sizeof(int)))
    return userError("the exec helper ended without a terminal", EPIPE);
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(header), sizeof fd);
  UniqueFd master(fd);
  // Only a terminal's master is taken: its number says it is one.
  unsigned number = 0;
  if (::ioctl(master.get(), TIOCGPTN, &number) != 0)
    return userError("the exec helper sent something that is not a terminal's master", EPROTO);
  return master;
}

}  // namespace agent::container
