#include "NetworkNamespace.h"

#include <sched.h>

#include <thread>

namespace agent::net {

Result<void> runInNetworkNamespace(int netnsFd, const std::function<Result<void>()>& body) {
  Result<void> result;
  std::thread worker([&] {
    if (::setns(netnsFd, CLONE_NEWNET) != 0) {
      result = systemError("enter the network namespace", "fd " + std::to_string(netnsFd));
      return;
    }
    result = body();
  });
  worker.join();
  return result;
}

}  // namespace agent::net
