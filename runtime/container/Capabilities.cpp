#include "Capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace agent::container {

Result<void> applyCapabilities(CapabilitySet set) {
  for (int cap = 0; cap < 64; ++cap) {
    if (set.has(cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      return systemError("drop capability " + capabilityName(cap) + " from the bounding set", "");
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return systemError("clear ambient capabilities", "");
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return systemError("read capabilities", "");
  uint64_t permitted = (uint64_t{data[1].permitted} << 32 | data[0].permitted) & set.bits();
  for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; ++i) {
    auto half = static_cast<uint32_t>(permitted >> (32 * i));
    // Inheritable empty, as Docker since CVE-2022-24769: a file's inheritable capabilities
    // then grant nothing at exec.
    data[i] = {half, half, 0};  // effective, permitted, inheritable
  }
  if (::syscall(SYS_capset, &header, data) != 0) return systemError("set capabilities", "");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return systemError("set no_new_privs", "");
  return {};
}

}  // namespace agent::container
