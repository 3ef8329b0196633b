#pragma once
// Which device nodes a container may make (mknod) and use (read, write): Docker's default
// allow-list, and how it is written to a cgroup v1 devices controller and read back.
//
// The list is Docker's effective one (moby oci/defaults.go plus runc's AllowedDevices,
// libcontainer/specconv/spec_linux.go; crun's default_devices[] is the same): deny
// everything, then `c *:* m` and `b *:* m` (mknod of any node, which is why CAP_MKNOD is
// harmless), and rwm on null, zero, full, random, urandom, tty, console, ptmx, pts/* and
// net/tun (10:200: runc 1.2.0 dropped it, 1.2.4 restored it after regressions; we follow
// today's Docker). fuse (10:229) is never allowed, as in Docker.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::cgroup {

enum class DeviceType : char { All = 'a', Char = 'c', Block = 'b' };

// Access bits, as the kernel's DEVCG_ACC_* (include/linux/device_cgroup.h).
enum DeviceAccess : uint8_t { kDeviceMknod = 1, kDeviceRead = 2, kDeviceWrite = 4, kDeviceRwm = 7 };

struct DeviceRule {
  DeviceType type = DeviceType::All;
  std::optional<uint32_t> major;  // nullopt: any ("*")
  std::optional<uint32_t> minor;  // nullopt: any ("*")
  uint8_t access = kDeviceRwm;    // DeviceAccess bits, never 0
  friend bool operator==(const DeviceRule&, const DeviceRule&) = default;
};

// What confines a cgroup's devices: the v1 devices controller where the host has one, else
// a BPF program on the group's cgroup2 directory.
enum class DeviceMechanism { V1Controller, BpfProgram, Unavailable };
// "cgroup v1 devices allow-list", "cgroup v2 BPF device program", "none".
std::string_view mechanismName(DeviceMechanism mechanism);

// Docker's default allow-list (the exceptions to "deny all"), in the order written.
const std::vector<DeviceRule>& defaultDeviceAllowList();

// "c 1:3 rwm", "b *:* m": the kernel's format for devices.allow/deny and devices.list.
std::string v1DeviceLine(const DeviceRule& rule);

inline constexpr char kV1DevicesDenyFile[] = "devices.deny";
inline constexpr char kV1DevicesAllowFile[] = "devices.allow";
inline constexpr char kV1DevicesListFile[] = "devices.list";

struct V1DeviceWrite {
  const char* file;  // kV1DevicesDenyFile or kV1DevicesAllowFile
  std::string line;  // one rule: the kernel parses one entry per write(2)
};

// The writes that turn a fresh v1 devices cgroup (it inherits allow-all) into an
// allow-list of exactly `allowed`: "a *:* rwm" to devices.deny (which empties the list;
// the kernel refuses it, EINVAL, once the group has children, so it is written before
// anything runs in it), then one devices.allow write per rule.
std::vector<V1DeviceWrite> planV1DeviceWrites(const std::vector<DeviceRule>& allowed);

// Parses devices.list: one rule per line, `^[abc] (\d+|\*):(\d+|\*) [rwm]+$`. A group in
// allow-all mode shows the single line "a *:* rwm". Errors name the bad line.
Result<std::vector<DeviceRule>> parseV1DevicesList(std::string_view text);

// Why `listed` (as read back from devices.list) is not exactly `wanted`, ignoring order,
// as a clause for a message ("missing c 1:3 rwm; extra a *:* rwm"); nullopt when equal.
// runc does the same check after writing ("resulting devices cgroup doesn't precisely
// match target").
std::optional<std::string> v1DeviceListMismatch(const std::vector<DeviceRule>& listed,
                                                const std::vector<DeviceRule>& wanted);

}  // namespace agent::cgroup
