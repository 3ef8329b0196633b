#include "CapabilitySet.h"

#include <algorithm>
#include <cctype>

#include "MessageText.h"

namespace agent::container {

namespace {

// capabilities(7), by number; the kernel's uapi linux/capability.h numbers them the same.
constexpr const char* kNames[] = {"CHOWN",
                                  "DAC_OVERRIDE",
                                  "DAC_READ_SEARCH",
                                  "FOWNER",
                                  "FSETID",
                                  "KILL",
                                  "SETGID",
                                  "SETUID",
                                  "SETPCAP",
                                  "LINUX_IMMUTABLE",
                                  "NET_BIND_SERVICE",
                                  "NET_BROADCAST",
                                  "NET_ADMIN",
                                  "NET_RAW",
                                  "IPC_LOCK",
                                  "IPC_OWNER",
                                  "SYS_MODULE",
                                  "SYS_RAWIO",
                                  "SYS_CHROOT",
                                  "SYS_PTRACE",
                                  "SYS_PACCT",
                                  "SYS_ADMIN",
                                  "SYS_BOOT",
                                  "SYS_NICE",
                                  "SYS_RESOURCE",
                                  "SYS_TIME",
                                  "SYS_TTY_CONFIG",
                                  "MKNOD",
                                  "LEASE",
                                  "AUDIT_WRITE",
                                  "AUDIT_CONTROL",
                                  "SETFCAP",
                                  "MAC_OVERRIDE",
                                  "MAC_ADMIN",
                                  "SYSLOG",
                                  "WAKE_ALARM",
                                  "BLOCK_SUSPEND",
                                  "AUDIT_READ",
                                  "PERFMON",
                                  "BPF",
                                  "CHECKPOINT_RESTORE"};
constexpr int kKnown = static_cast<int>(std::size(kNames));

constexpr const char* kDefaults[] = {
    "CHOWN",  "DAC_OVERRIDE", "FSETID",  "FOWNER",           "MKNOD",      "NET_RAW", "SETGID",
    "SETUID", "SETFCAP",      "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",    "AUDIT_WRITE"};

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool isAll(std::string_view name) {
  return upper(name) == "ALL";
}

}  // namespace

Result<int> capabilityNumber(std::string_view name) {
  std::string wanted = upper(name);
  if (wanted.rfind("CAP_", 0) == 0) wanted.erase(0, 4);
  for (int cap = 0; cap < kKnown; ++cap)
    if (wanted == kNames[cap]) return cap;
  return userError("unknown capability " + quotedForMessage(name) +
                   ": give a name from capabilities(7), with or without CAP_ (e.g. NET_ADMIN, CAP_SYS_PTRACE), or "
                   "ALL");
}

std::string capabilityName(int cap) {
  if (cap < 0 || cap >= kKnown) return "CAP_" + std::to_string(cap);
  return std::string("CAP_") + kNames[cap];
}

CapabilitySet dockerDefaultCapabilities() {
  CapabilitySet set;
  for (const char* name : kDefaults) set.add(*capabilityNumber(name));
  return set;
}

CapabilitySet allKnownCapabilities() {
  CapabilitySet set;
  for (int cap = 0; cap < kKnown; ++cap) set.add(cap);
  return set;
}

std::vector<std::string> capabilityNames(CapabilitySet set) {
  std::vector<std::string> names;
  for (int cap = 0; cap < 64; ++cap)
    if (set.has(cap)) names.push_back(capabilityName(cap));
  return names;
}

Result<CapabilitySet> capabilitiesFromNames(const std::vector<std::string>& names) {
  CapabilitySet set;
  for (const auto& name : names) {
    auto cap = capabilityNumber(name);
    if (!cap) return tl::unexpected(cap.error());
    set.add(*cap);
  }
  return set;
}

Result<CapabilitySet> combineCapabilities(CapabilitySet defaults, const std::vector<std::string>& add,
                                          const std::vector<std::string>& drop) {
  // Every name is checked first, whichever rule ends up using it.
  CapabilitySet added, dropped;
  bool addAll = false, dropAll = false;
  for (auto [names, set, all] : {std::tuple{&add, &added, &addAll}, {&drop, &dropped, &dropAll}}) {
    for (const auto& name : *names) {
      if (isAll(name)) {
        *all = true;
        continue;
      }
      auto cap = capabilityNumber(name);
      if (!cap) return tl::unexpected(cap.error());
      set->add(*cap);
    }
  }
  if (addAll) return CapabilitySet::fromBits(allKnownCapabilities().bits() & ~dropped.bits());
  if (dropAll) return added;
  return CapabilitySet::fromBits((defaults.bits() & ~dropped.bits()) | added.bits());
}

}  // namespace agent::container
