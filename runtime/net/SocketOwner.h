#pragma once
// Which process holds a socket, found as ss(8) and fuser(1) find it: the socket tables give the
// socket's inode (SocketTable.h), and a descriptor of it is a /proc/PID/fd/N link reading
// "socket:[INODE]" (proc(5)). Only processes of the caller's PID namespace are seen, and only
// those whose fd directory it may read (root reads all).
#include <sys/types.h>

#include <optional>
#include <string>

namespace agent::net {

struct SocketOwner {
  pid_t pid = 0;
  std::string command;  // /proc/PID/comm: the first 15 bytes of the executable's name
};

// The first process, by /proc's order, holding a descriptor of socket `inode`; nothing when none
// is seen (another PID namespace, or it has closed it or exited meanwhile).
std::optional<SocketOwner> findSocketOwner(ino_t inode);

}  // namespace agent::net
