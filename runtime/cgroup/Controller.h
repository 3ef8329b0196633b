#pragma once
// Cgroup controllers by what they do, independent of the kernel's name for them in each
// version (v1 "blkio" is v2 "io"; v1 "cpuacct" and "freezer" are core features of v2).
#include <bitset>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

namespace agent::cgroup {

enum class CgroupVersion : uint8_t { V1 = 1, V2 = 2 };

enum class Controller : uint8_t {
  Cpu,
  Cpuacct,
  Cpuset,
  Memory,
  Devices,
  Freezer,
  NetCls,
  NetPrio,
  Io,
  PerfEvent,
  Hugetlb,
  Pids,
  Rdma,
  Misc,
  Count
};
inline constexpr size_t kControllerCount = static_cast<size_t>(Controller::Count);

// The controller's name in a v1 mount's options ("blkio", "net_cls"...).
std::string_view v1Name(Controller c);
// Its name in cgroup.controllers, or "" for what v2 provides without a controller (cpuacct:
// cpu.stat is always there; freezer: cgroup.freeze) or does not have (devices, net_cls, net_prio).
std::string_view v2Name(Controller c);
// Human name used in messages and by `agentd probe`: the v1 name except "io".
std::string_view displayName(Controller c);
std::optional<Controller> controllerFromV1Name(std::string_view name);
std::optional<Controller> controllerFromV2Name(std::string_view name);

class ControllerSet {
 public:
  ControllerSet() = default;
  ControllerSet(std::initializer_list<Controller> controllers) {
    for (Controller c : controllers) add(c);
  }
  void add(Controller c) { bits_.set(static_cast<size_t>(c)); }
  bool has(Controller c) const { return bits_.test(static_cast<size_t>(c)); }
  bool empty() const { return bits_.none(); }
  template <typename Fn>
  void forEach(Fn&& fn) const {
    for (size_t i = 0; i < kControllerCount; ++i)
      if (bits_.test(i)) fn(static_cast<Controller>(i));
  }

 private:
  std::bitset<kControllerCount> bits_;
};

// What a container needs for limits, accounting, pausing and (v1) its device allow-list.
ControllerSet containerControllers();
// Those of containerControllers() a container started by an older agentd may have no
// directory for (devices: before agentd confined devices). Such a container is re-adopted
// as it is: its running processes are never moved into a new, stricter group.
ControllerSet controllersOlderContainersLack();

}  // namespace agent::cgroup
