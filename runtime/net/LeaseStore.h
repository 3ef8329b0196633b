#pragma once
// The bridge's address leases, kept in a directory of the state dir (`<state>/net/leases/`)
// so that they outlive agentd: one file per leased address, named by the address
// ("172.30.0.2"), holding the container's id and a newline, as the CNI host-local IPAM
// plugin keeps /var/lib/cni/networks/<network>/<address> (plugins/ipam/host-local/backend/
// disk). One file per address makes "never two containers on one address" a property of the
// file system (one name, one file) instead of a rule the code must keep.
//
// Crash safety (agentd killed at any point): a lease file appears whole or not at all. It is
// written as a temporary (".lease-<pid>-<random>") and then hard-linked to the address's
// name: link(2) refuses an existing name (EEXIST), so two allocators can never both take one
// address, and no reader ever sees a half-written lease. Release and reconcile are one
// unlink each. What a crash can leave: a temporary (removed by reconcile), or a lease for a
// container that was never made or never removed (reconcile, given the live containers,
// removes it). Every operation holds flock(2) on the directory (exclusive to change it,
// shared to read it), so agentd's threads and two processes take turns, and the kernel drops
// the lock of a process that dies.
//
// Files that are not leases (other names, directories, symlinks, FIFOs) are reported by
// scan() and never removed or followed; an address whose name is taken by such a file is
// skipped by allocate(). A lease of an address outside this subnet's container range (left
// from a bridge_subnet that changed, or the gateway's) is reported and kept until its
// container is gone.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"
#include "Ipv4Address.h"
#include "Ipv4Subnet.h"

namespace agent::net {

struct Lease {
  Ipv4Address address;
  // As the file holds it, without the newline. Empty if the file was emptied by hand: such a
  // lease still takes its address, and reconcile removes it (no live container has no id).
  std::string containerId;

  bool operator==(const Lease&) const = default;
};

// What the lease directory holds, each list in ascending order.
struct LeaseScan {
  std::vector<Lease> leases;             // of this subnet's container addresses
  std::vector<Lease> outOfRange;         // named by an address that is not one of them
  std::vector<std::string> temporaries;  // ".lease-*" left by an allocator that died mid-way
  std::vector<std::string> junk;         // anything else: not a name we write, or not a regular file
};

struct Reconciliation {
  std::vector<Lease> released;           // leases (of any range) whose container is not live
  std::vector<std::string> temporaries;  // removed
  std::vector<std::string> junk;         // left alone, for the log
};

class LeaseStore {
 public:
  // Creates `directory` and its parents if missing. Nothing else is checked or changed: a
  // directory with leases of another subnet is fine (see above).
  static Result<LeaseStore> open(std::string directory, Ipv4Subnet subnet);

  const std::string& directory() const { return directory_; }
  const Ipv4Subnet& subnet() const { return subnet_; }

  // The container's address: the one it already holds in this subnet (allocate is
  // idempotent: agentd may ask again after a crash), else the lowest free container address.
  // Errors: a container id that is empty or holds whitespace or '/' (EINVAL, a bug of the
  // caller); every address leased (a sentence, ENOSPC); the directory's I/O (errno, path).
  Result<Ipv4Address> allocate(std::string_view containerId);
  // Removes every lease the container holds, in any range; false if it held none.
  Result<bool> release(std::string_view containerId);
  // This subnet's leases, by address.
  Result<std::vector<Lease>> leases() const;
  Result<LeaseScan> scan() const;
  // At agentd's start, given the ids of the containers that exist: removes the leases of
  // every other container and the temporaries a crash left, and says what it removed.
  Result<Reconciliation> reconcile(const std::set<std::string>& liveContainerIds);

 private:
  LeaseStore(std::string directory, Ipv4Subnet subnet) : directory_(std::move(directory)), subnet_(subnet) {}

  std::string directory_;
  Ipv4Subnet subnet_;
};

}  // namespace agent::net
