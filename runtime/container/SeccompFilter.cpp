#include "SeccompFilter.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "UniqueFd.h"

namespace agent::container {

Result<SeccompFilter> seccompFilterFromBytes(std::string_view bytes, const std::string& path) {
  if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0 || bytes.size() / sizeof(sock_filter) > BPF_MAXINSNS)
    return logicError("read the seccomp filter (" + std::to_string(bytes.size()) +
                          " bytes is not a whole BPF program of 1 to 4096 instructions)",
                      path);
  SeccompFilter filter;
  filter.program.resize(bytes.size() / sizeof(sock_filter));
  std::memcpy(filter.program.data(), bytes.data(), bytes.size());
  return filter;
}

Result<SeccompFilter> readSeccompFilter(const std::string& path) {
  if (path.empty()) return SeccompFilter{};
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return systemError("open the seccomp filter", path);
  std::string bytes;
  char chunk[8192];
  ssize_t n;
  while ((n = ::read(fd.get(), chunk, sizeof chunk)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return systemError("read the seccomp filter", path);
    bytes.append(chunk, static_cast<size_t>(n));
  }
  return seccompFilterFromBytes(bytes, path);
}

Result<void> installSeccompFilter(const SeccompFilter& filter) {
  if (filter.program.empty()) return {};
  sock_fprog prog{static_cast<unsigned short>(filter.program.size()), const_cast<sock_filter*>(filter.program.data())};
  // SPEC_ALLOW, as crun: a filtered task is not forced into the Speculative Store Bypass
  // mitigation (Docker's containers are not either). A kernel without the flag: none.
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog) == 0) return {};
  if (errno == EINVAL && ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0) return {};
  return systemError("install the seccomp filter", "");
}

}  // namespace agent::container
