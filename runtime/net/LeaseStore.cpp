#include "LeaseStore.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "LeaseDirectory.h"
#include "RandomHex.h"

namespace agent::net {
namespace {

// A lease file holds the id and a newline; an id with whitespace or '/' could not be read
// back as written, or is a path.
bool isContainerId(std::string_view id) {
  return !id.empty() && id.size() < 200 &&
         std::none_of(id.begin(), id.end(), [](char c) { return c <= ' ' || c == '/' || c == 0x7F; });
}

Result<void> requireContainerId(std::string_view id) {
  if (isContainerId(id)) return {};
  return logicError("lease an address for the container id `" + std::string(id) + "`, which is no container id", "");
}

// Writes `content` into a new temporary in the directory and returns its name.
Result<std::string> writeTemporary(const LockedLeaseDirectory& dir, std::string_view content) {
  std::string name = std::string(kLeaseTemporaryPrefix) + std::to_string(::getpid()) + "-" + randomHex(4);
  UniqueFd fd(::openat(dir.fd(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return systemError("create", dir.pathOf(name));
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::unlinkat(dir.fd(), name.c_str(), 0);
      return systemError("write", dir.pathOf(name), err);
    }
    written += static_cast<size_t>(n);
  }
  return name;
}

// Links the temporary to the lowest free container address; nothing if every address is
// taken. `leased` are the addresses of the scan; a name taken by anything else (junk, or a
// writer that ignores the lock) fails the link with EEXIST and the next address is tried.
Result<std::optional<Ipv4Address>> linkLowestFree(const LockedLeaseDirectory& dir, const Ipv4Subnet& subnet,
                                                  const std::vector<Lease>& leased, const std::string& temporary) {
  auto next = leased.begin();
  for (uint64_t value = subnet.firstContainerAddress().value; value <= subnet.lastContainerAddress().value; ++value) {
    Ipv4Address address{static_cast<uint32_t>(value)};
    while (next != leased.end() && next->address < address) ++next;
    if (next != leased.end() && next->address == address) continue;
    std::string name = formatIpv4Address(address);
    if (::linkat(dir.fd(), temporary.c_str(), dir.fd(), name.c_str(), 0) == 0) return address;
    if (errno != EEXIST) return systemError("link the lease", dir.pathOf(name));
  }
  return std::nullopt;
}

}  // namespace

Result<LeaseStore> LeaseStore::open(std::string directory, Ipv4Subnet subnet) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return systemError("create the lease directory", directory, error.value());
  // Fails now, not at the first container, if it is no directory we can lock.
  auto dir = LockedLeaseDirectory::open(directory, LOCK_SH);
  if (!dir) return tl::unexpected(dir.error());
  return LeaseStore(std::move(directory), subnet);
}

Result<Ipv4Address> LeaseStore::allocate(std::string_view containerId) {
  if (auto valid = requireContainerId(containerId); !valid) return tl::unexpected(valid.error());
  auto dir = LockedLeaseDirectory::open(directory_, LOCK_EX);
  if (!dir) return tl::unexpected(dir.error());
  auto scan = dir->scan(subnet_);
  if (!scan) return tl::unexpected(scan.error());
  for (const Lease& lease : scan->leases)
    if (lease.containerId == containerId) return lease.address;

  auto temporary = writeTemporary(*dir, std::string(containerId) + "\n");
  if (!temporary) return tl::unexpected(temporary.error());
  auto linked = linkLowestFree(*dir, subnet_, scan->leases, *temporary);
  // The lease, if made, is the temporary's second name: removing the first keeps it. A
  // temporary that cannot be removed only waits for reconcile; the lease stands.
  (void)dir->remove(*temporary);
  if (!linked) return tl::unexpected(linked.error());
  if (!*linked)
    return userError("the bridge subnet " + subnet_.text() + " has no free address: all " +
                         std::to_string(subnet_.containerAddressCount()) +
                         " container addresses are leased; remove a container or choose a larger subnet with "
                         "`bridge_subnet:`",
                     ENOSPC);
  return **linked;
}

Result<bool> LeaseStore::release(std::string_view containerId) {
  if (auto valid = requireContainerId(containerId); !valid) return tl::unexpected(valid.error());
  auto dir = LockedLeaseDirectory::open(directory_, LOCK_EX);
  if (!dir) return tl::unexpected(dir.error());
  auto scan = dir->scan(subnet_);
  if (!scan) return tl::unexpected(scan.error());
  bool held = false;
  for (const std::vector<Lease>* list : {&scan->leases, &scan->outOfRange}) {
    for (const Lease& lease : *list) {
      if (lease.containerId != containerId) continue;
      if (auto removed = dir->remove(formatIpv4Address(lease.address)); !removed)
        return tl::unexpected(removed.error());
      held = true;
    }
  }
  return held;
}

Result<std::vector<Lease>> LeaseStore::leases() const {
  auto all = scan();
  if (!all) return tl::unexpected(all.error());
  return std::move(all->leases);
}

Result<LeaseScan> LeaseStore::scan() const {
  auto dir = LockedLeaseDirectory::open(directory_, LOCK_SH);
  if (!dir) return tl::unexpected(dir.error());
  return dir->scan(subnet_);
}

Result<Reconciliation> LeaseStore::reconcile(const std::set<std::string>& liveContainerIds) {
  auto dir = LockedLeaseDirectory::open(directory_, LOCK_EX);
  if (!dir) return tl::unexpected(dir.error());
  auto scan = dir->scan(subnet_);
  if (!scan) return tl::unexpected(scan.error());
  Reconciliation done;
  for (const std::vector<Lease>* list : {&scan->leases, &scan->outOfRange}) {
    for (const Lease& lease : *list) {
      if (liveContainerIds.contains(lease.containerId)) continue;
      if (auto removed = dir->remove(formatIpv4Address(lease.address)); !removed)
        return tl::unexpected(removed.error());
      done.released.push_back(lease);
    }
  }
  // Under the exclusive lock no allocator is between its temporary and its link: every
  // temporary here belongs to one that died.
  for (const std::string& temporary : scan->temporaries) {
    if (auto removed = dir->remove(temporary); !removed) return tl::unexpected(removed.error());
    done.temporaries.push_back(temporary);
  }
  done.junk = std::move(scan->junk);
  std::sort(done.released.begin(), done.released.end(),
            [](const Lease& a, const Lease& b) { return a.address < b.address; });
  return done;
}

}  // namespace agent::net
