#include "LeaseDirectory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "TextParse.h"

namespace agent::net {
namespace {

// Container ids are 32 hex digits (newContainerId); a longer file is not ours either way.
constexpr size_t kLeaseFileBytes = 256;

enum class EntryKind { kRegular, kOther, kGone };

EntryKind kindOf(int dirFd, const char* name) {
  struct stat st {};
  if (::fstatat(dirFd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? EntryKind::kGone : EntryKind::kOther;
  return S_ISREG(st.st_mode) ? EntryKind::kRegular : EntryKind::kOther;
}

// The container id a lease file holds, or nothing when it cannot be read as a regular file.
// O_NOFOLLOW and O_NONBLOCK: a symlink or a FIFO put there by hand is neither followed nor
// waited on.
std::optional<std::string> readLeaseFile(int dirFd, const char* name) {
  UniqueFd fd(::openat(dirFd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  char buffer[kLeaseFileBytes];
  ssize_t n;
  do n = ::read(fd.get(), buffer, sizeof buffer);
  while (n < 0 && errno == EINTR);
  if (n < 0) return std::nullopt;
  return std::string(text::trim(std::string_view(buffer, static_cast<size_t>(n))));
}

}  // namespace

Result<LockedLeaseDirectory> LockedLeaseDirectory::open(const std::string& path, int operation) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return systemError("open the lease directory", path);
  int locked;
  do locked = ::flock(fd.get(), operation);
  while (locked != 0 && errno == EINTR);
  if (locked != 0) return systemError("lock the lease directory", path);
  return LockedLeaseDirectory(std::move(fd), path);
}

Result<LeaseScan> LockedLeaseDirectory::scan(const Ipv4Subnet& subnet) const {
  // fdopendir takes the fd it is given: hand it a duplicate, rewound, and keep ours.
  int copy = ::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return systemError("duplicate the descriptor of", path_);
  DIR* dir = ::fdopendir(copy);
  if (dir == nullptr) {
    int err = errno;
    ::close(copy);
    return systemError("list", path_, err);
  }
  ::rewinddir(dir);
  LeaseScan scan;
  for (;;) {
    errno = 0;  // readdir's end and its failure differ only in errno; the checks below set it
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) break;
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (name.starts_with(kLeaseTemporaryPrefix)) {
      EntryKind kind = kindOf(fd_.get(), entry->d_name);
      if (kind == EntryKind::kRegular) scan.temporaries.emplace_back(name);
      if (kind == EntryKind::kOther) scan.junk.emplace_back(name);
      continue;
    }
    std::optional<Ipv4Address> address = parseIpv4Address(name);
    std::optional<std::string> containerId;
    if (address) containerId = readLeaseFile(fd_.get(), entry->d_name);
    if (!containerId) {
      // A lease file removed by hand between readdir and open is simply not there.
      if (kindOf(fd_.get(), entry->d_name) != EntryKind::kGone) scan.junk.emplace_back(name);
      continue;
    }
    Lease lease{*address, std::move(*containerId)};
    (subnet.isContainerAddress(*address) ? scan.leases : scan.outOfRange).push_back(std::move(lease));
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return systemError("list", path_, err);
  auto byAddress = [](const Lease& a, const Lease& b) { return a.address < b.address; };
  std::sort(scan.leases.begin(), scan.leases.end(), byAddress);
  std::sort(scan.outOfRange.begin(), scan.outOfRange.end(), byAddress);
  std::sort(scan.temporaries.begin(), scan.temporaries.end());
  std::sort(scan.junk.begin(), scan.junk.end());
  return scan;
}

Result<void> LockedLeaseDirectory::remove(std::string_view name) const {
  std::string leaf(name);
  if (::unlinkat(fd_.get(), leaf.c_str(), 0) != 0 && errno != ENOENT) return systemError("remove", pathOf(name));
  return {};
}

}  // namespace agent::net
