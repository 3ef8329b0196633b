#include "Controller.h"

#include <array>

namespace agent::cgroup {

namespace {
struct Names {
  std::string_view v1, v2;
};
constexpr std::array<Names, kControllerCount> kNames = {{
    {"cpu", "cpu"},
    {"cpuacct", ""},
    {"cpuset", "cpuset"},
    {"memory", "memory"},
    {"devices", ""},
    {"freezer", ""},
    {"net_cls", ""},
    {"net_prio", ""},
    {"blkio", "io"},
    {"perf_event", "perf_event"},
    {"hugetlb", "hugetlb"},
    {"pids", "pids"},
    {"rdma", "rdma"},
    {"misc", "misc"},
}};
}  // namespace

std::string_view v1Name(Controller c) {
  return kNames[static_cast<size_t>(c)].v1;
}
std::string_view v2Name(Controller c) {
  return kNames[static_cast<size_t>(c)].v2;
}
std::string_view displayName(Controller c) {
  return c == Controller::Io ? "io" : v1Name(c);
}

std::optional<Controller> controllerFromV1Name(std::string_view name) {
  for (size_t i = 0; i < kControllerCount; ++i)
    if (kNames[i].v1 == name) return static_cast<Controller>(i);
  return std::nullopt;
}

std::optional<Controller> controllerFromV2Name(std::string_view name) {
  if (name.empty()) return std::nullopt;
  for (size_t i = 0; i < kControllerCount; ++i)
    if (kNames[i].v2 == name) return static_cast<Controller>(i);
  return std::nullopt;
}

ControllerSet containerControllers() {
  // Devices: on v1 the container's device allow-list lives in its devices cgroup.
  return {Controller::Cpu, Controller::Cpuacct, Controller::Memory, Controller::Pids,
          Controller::Io,  Controller::Freezer, Controller::Devices};
}

ControllerSet controllersOlderContainersLack() {
  return {Controller::Devices};
}

}  // namespace agent::cgroup
