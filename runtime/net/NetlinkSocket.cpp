#include "NetlinkSocket.h"

#include <netlink/errno.h>
#include <netlink/netlink.h>

namespace agent::net {

void NetlinkSocket::Free::operator()(nl_sock* sock) const {
  nl_socket_free(sock);
}

Result<NetlinkSocket> NetlinkSocket::open() {
  nl_sock* sock = nl_socket_alloc();
  if (!sock) return systemError("allocate a netlink socket", "", ENOMEM);
  NetlinkSocket owner(sock);
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

bool isNoSuchLink(int nlError) {
  int code = nlError < 0 ? -nlError : nlError;
  return code == NLE_NODEV || code == NLE_OBJ_NOTFOUND;
}

}  // namespace agent::net
