#include "NetlinkSocket.h"

#include <netlink/errno.h>
#include <netlink/netlink.h>

#include <utility>

namespace agent::net {

void NetlinkSocket::Free::operator()(nl_sock* sock) const {
  nl_socket_free(sock);
}

namespace {

// Keeps the errno of a kernel's NLMSG_ERROR; NL_STOP lets libnl return its own code as before.
int keepKernelErrno(sockaddr_nl*, nlmsgerr* error, void* arg) {
  *static_cast<int*>(arg) = -error->error;
  return NL_STOP;
}

}  // namespace

Result<NetlinkSocket> NetlinkSocket::open() {
  nl_sock* sock = nl_socket_alloc();
  if (!sock) return systemError("allocate a netlink socket", "", ENOMEM);
  NetlinkSocket owner(sock);
  // The socket's callbacks, cloned by nl_wait_for_ack for every request.
  nl_cb_err(nl_socket_get_cb(sock), NL_CB_CUSTOM, keepKernelErrno, owner.kernelErrno_.get());
  nl_cb_put(nl_socket_get_cb(sock));  // nl_socket_get_cb took a reference: one put per get
  if (int err = nl_connect(sock, NETLINK_ROUTE); err < 0)
    return netlinkError("connect a NETLINK_ROUTE socket", "", err);
  return owner;
}

namespace {

// The reverse of libnl's nl_syserr2nlerr for the codes a link, address or route call gives.
int errnoOf(int nlError) {
  switch (nlError < 0 ? -nlError : nlError) {
    case NLE_EXIST:
      return EEXIST;
    case NLE_NODEV:
      return ENODEV;
    case NLE_OBJ_NOTFOUND:
      return ENOENT;
    case NLE_PERM:
      return EPERM;
    case NLE_NOACCESS:
      return EACCES;
    case NLE_BUSY:
      return EBUSY;
    case NLE_INVAL:
      return EINVAL;
    case NLE_RANGE:
      return ERANGE;
    case NLE_NOMEM:
      return ENOMEM;
    case NLE_AGAIN:
      return EAGAIN;
    case NLE_OPNOTSUPP:
      return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT:
      return EAFNOSUPPORT;
    case NLE_NOADDR:
      return EADDRNOTAVAIL;
    case NLE_BAD_SOCK:
      return EBADF;
    default:
      return 0;
  }
}

}  // namespace

tl::unexpected<Error> netlinkError(std::string action, std::string path, int nlError) {
  int errnum = errnoOf(nlError);
  // libnl folds errno values it has no code for (ENETUNREACH, ENOTSUP...) into NLE_FAILURE:
  // then its own text is all there is.
  if (errnum == 0) {
    if (!path.empty()) action += " `" + path + "`";
    return logicError(action + ": " + nl_geterror(nlError), "", 0);
  }
  return logicError(std::move(action), std::move(path), errnum);
}

tl::unexpected<Error> NetlinkSocket::failure(std::string action, std::string path, int nlError) const {
  // Only when it is this failure's: one the socket tolerated before (EEXIST, ENODEV of a
  // lookup) may still be kept.
  int kernel = std::exchange(*kernelErrno_, 0);
  if (kernel > 0 && nl_syserr2nlerr(kernel) == (nlError < 0 ? -nlError : nlError))
    return logicError(std::move(action), std::move(path), kernel);
  return netlinkError(std::move(action), std::move(path), nlError);
}

bool isNoSuchLink(int nlError) {
  int code = nlError < 0 ? -nlError : nlError;
  return code == NLE_NODEV || code == NLE_OBJ_NOTFOUND;
}

}  // namespace agent::net
