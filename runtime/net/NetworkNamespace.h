#pragma once
// Work inside another network namespace without moving the caller: `body` runs on a
// short-lived thread that setns(2)es into the namespace and ends with it, so the calling
// thread's namespace never changes, on every path (setns(CLONE_NEWNET) is per thread; the
// other namespaces and the process are untouched).
#include <functional>

#include "Error.h"

namespace agent::net {

// `netnsFd`: an open fd of a network namespace (/proc/PID/ns/net, a bind mount of one, or an
// fd kept from a process that has since ended). Returns what `body` returns, or the error of
// entering the namespace (EINVAL: the fd is not a network namespace).
Result<void> runInNetworkNamespace(int netnsFd, const std::function<Result<void>()>& body);

}  // namespace agent::net
