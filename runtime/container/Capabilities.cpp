#include "Capabilities.h"

#include <linux/capability.h>
#include <sys/capability.h>
#include <sys/prctl.h>

namespace agent::container {

namespace {
// moby's oci/caps defaults: what a Docker container has unless told otherwise.
constexpr cap_value_t kDefaultCapabilities[] = {
    CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FSETID,  CAP_FOWNER,           CAP_MKNOD,      CAP_NET_RAW, CAP_SETGID,
    CAP_SETUID, CAP_SETFCAP,      CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL,    CAP_AUDIT_WRITE};

bool isDefault(cap_value_t cap) {
  for (cap_value_t keep : kDefaultCapabilities)
    if (keep == cap) return true;
  return false;
}
}  // namespace

Result<void> dropToDefaultCapabilities() {
  for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (!isDefault(cap) && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      return systemError("drop capability " + std::to_string(cap) + " from the bounding set", "");
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return systemError("clear ambient capabilities", "");
  }
  cap_t caps = ::cap_init();
  if (caps == nullptr) return systemError("allocate capability state", "");
  constexpr int count = sizeof kDefaultCapabilities / sizeof kDefaultCapabilities[0];
  bool ok = ::cap_set_flag(caps, CAP_PERMITTED, count, kDefaultCapabilities, CAP_SET) == 0 &&
            ::cap_set_flag(caps, CAP_EFFECTIVE, count, kDefaultCapabilities, CAP_SET) == 0 &&
            ::cap_set_flag(caps, CAP_INHERITABLE, count, kDefaultCapabilities, CAP_SET) == 0 &&
            ::cap_set_proc(caps) == 0;
  int saved = errno;
  ::cap_free(caps);
  if (!ok) return systemError("set capabilities", "", saved);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return systemError("set no_new_privs", "");
  return {};
}

}  // namespace agent::container
