#include "SealedExecutable.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <mutex>

#include "UniqueFd.h"

// Newer than the headers of Debian 12 (linux-libc-dev 6.1); the kernel values.
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U  // 6.3: asked for explicitly when vm.memfd_noexec would default to noexec
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020  // 6.3: nobody may chmod the copy
#endif

namespace agent::container {

Result<int> makeSealedCopy(const std::string& path) {
  UniqueFd source(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!source.valid()) return systemError("open, to make its sealed copy,", path);
  struct stat st {};
  if (::fstat(source.get(), &st) != 0) return systemError("inspect", path);
  unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  UniqueFd copy(::memfd_create("agent-shim", flags | MFD_EXEC));
  if (!copy.valid() && errno == EINVAL) copy.reset(::memfd_create("agent-shim", flags));  // before 6.3
  if (!copy.valid()) {
    return systemError(
        "make an executable memfd for a sealed copy of (with vm.memfd_noexec=2 the kernel forbids it: set it to 0 "
        "or 1)",
        path);
  }
  for (off_t done = 0; done < st.st_size;) {
    ssize_t n = ::sendfile(copy.get(), source.get(), nullptr, static_cast<size_t>(st.st_size - done));
    if (n <= 0) return systemError("copy into its sealed memfd", path, n == 0 ? EIO : errno);
    done += n;
  }
  (void)::fcntl(copy.get(), F_ADD_SEALS, F_SEAL_EXEC);  // best effort: 6.3+
  if (::fcntl(copy.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) {
    return systemError("seal the memfd copy of", path);
  }
  return copy.release();
}

Result<int> sealedExecutable(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, int> copies;  // kept for the life of the process
  std::lock_guard lock(mutex);
  if (auto found = copies.find(path); found != copies.end()) return found->second;
  auto copy = makeSealedCopy(path);
  if (!copy) return copy;
  copies.emplace(path, *copy);
  return *copy;
}

}  // namespace agent::container
