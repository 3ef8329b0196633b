#pragma once
// The lease directory as one operation of LeaseStore sees it: opened and locked for that
// operation alone, then read into a LeaseScan. Private to LeaseStore.
#include <sys/file.h>

#include <string>
#include <string_view>

#include "Error.h"
#include "LeaseStore.h"
#include "UniqueFd.h"

namespace agent::net {

// Names of lease files being written: a dot keeps them apart from every address.
inline constexpr std::string_view kLeaseTemporaryPrefix = ".lease-";

class LockedLeaseDirectory {
 public:
  // Opens `path` and takes flock(2) `operation` (LOCK_EX or LOCK_SH) on it, waiting for it.
  // Each call opens its own file description, so two threads of one agentd exclude each
  // other as two processes do (flock belongs to the open file description, not the process).
  static Result<LockedLeaseDirectory> open(const std::string& path, int operation);

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  std::string pathOf(std::string_view name) const { return path_ + "/" + std::string(name); }

  // Reads every entry; what is not a lease is sorted into the scan's other lists.
  Result<LeaseScan> scan(const Ipv4Subnet& subnet) const;
  // unlinkat, where a name already gone counts as removed.
  Result<void> remove(std::string_view name) const;

 private:
  LockedLeaseDirectory(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  UniqueFd fd_;  // closing it drops the lock
  std::string path_;
};

}  // namespace agent::net
