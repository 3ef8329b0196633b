#pragma once
// A NETLINK_ROUTE socket through Debian's libnl-route-3, bound to the network namespace of
// the thread that opens it (netlink(7): a socket stays in the namespace it was created in, so
// a socket opened inside a container's namespace configures that namespace only).
#include <memory>
#include <string>

#include "Error.h"

struct nl_sock;

namespace agent::net {

class NetlinkSocket {
 public:
  // Opens and connects a NETLINK_ROUTE socket in the calling thread's network namespace.
  static Result<NetlinkSocket> open();

  nl_sock* get() const { return sock_.get(); }

  // The failure of a request on this socket: the kernel's own errno when it answered with one
  // (libnl folds ENETUNREACH and others into NLE_FAILURE, "Unspecific failure"; the socket's
  // error callback keeps the number), else netlinkError's.
  tl::unexpected<Error> failure(std::string action, std::string path, int nlError) const;

 private:
  struct Free {
    void operator()(nl_sock* sock) const;
  };
  explicit NetlinkSocket(nl_sock* sock) : sock_(sock), kernelErrno_(std::make_unique<int>(0)) {}
  std::unique_ptr<nl_sock, Free> sock_;
  std::unique_ptr<int> kernelErrno_;  // the last NLMSG_ERROR's errno; a stable address for libnl
};

// libnl returns its own negative NLE_* codes (netlink/errno.h), not errno: the error carries
// the errno libnl folded (EEXIST, ENODEV, EPERM...) when there is one, else libnl's own text.
tl::unexpected<Error> netlinkError(std::string action, std::string path, int nlError);

// The link is absent: libnl says NLE_NODEV (the kernel's ENODEV for a name) or
// NLE_OBJ_NOTFOUND (a cache lookup).
bool isNoSuchLink(int nlError);

}  // namespace agent::net
