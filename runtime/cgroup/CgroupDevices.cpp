// Cgroup, the part that confines a group's devices: the v1 devices controller's files, or a
// BPF device program on cgroup v2 (see Cgroup.h, DeviceRules.h, DeviceProgram.h).
#include "BpfDevicePrograms.h"
#include "Cgroup.h"
#include "DeviceProgram.h"

namespace agent::cgroup {

namespace {

constexpr char kNoMechanism[] =
    "this host has neither a cgroup v1 devices controller nor a cgroup2 hierarchy to attach a BPF device "
    "program to";

}  // namespace

DeviceMechanism Cgroup::deviceMechanism() const {
  if (devicesOnV1_) return DeviceMechanism::V1Controller;
  if (unifiedMember_ >= 0) return DeviceMechanism::BpfProgram;
  return DeviceMechanism::Unavailable;
}

Result<void> Cgroup::applyDeviceRules(const std::vector<DeviceRule>& allowed) const {
  if (readOnly_) return logicError("change cgroup (this handle only observes it)", path_, EPERM);
  switch (deviceMechanism()) {
    case DeviceMechanism::V1Controller:
      break;
    case DeviceMechanism::BpfProgram: {
      const Dir& dir = members_[static_cast<size_t>(unifiedMember_)].dir;
      if (auto r = attachDeviceProgram(dir, deviceProgram(allowed)); !r) return r;
      auto attached = attachedDevicePrograms(dir);
      if (!attached) return tl::unexpected(attached.error());
      if (*attached == 0) return logicError("confine devices: the device program attached is not listed", dir.path());
      return {};
    }
    case DeviceMechanism::Unavailable:
      return logicError(std::string("confine devices (") + kNoMechanism + ")", path_, ENOTSUP);
  }
  const Member* m = member(Controller::Devices);
  if (!m) return logicError("confine devices (" + *whyNoLimit(Controller::Devices) + ")", path_, ENOENT);
  for (const V1DeviceWrite& w : planV1DeviceWrites(allowed)) {
    if (auto r = writeFileAt(m->dir, w.file, w.line); !r) {
      r.error().action += " (device rule \"" + w.line + "\")";
      return r;
    }
  }
  auto text = readWholeFileAt(m->dir, kV1DevicesListFile);
  if (!text) return tl::unexpected(text.error());
  auto listed = parseV1DevicesList(*text);
  if (!listed) return tl::unexpected(listed.error());
  if (auto why = v1DeviceListMismatch(*listed, allowed)) {
    return logicError("confine devices: the kernel's devices.list is not the rules written (" + *why +
                          "); is a parent devices cgroup more restrictive?",
                      path_, EIO);
  }
  return {};
}

Result<std::optional<std::string>> Cgroup::whyDevicesUnconfined() const {
  switch (deviceMechanism()) {
    case DeviceMechanism::V1Controller:
      break;
    case DeviceMechanism::BpfProgram: {
      const Dir& dir = members_[static_cast<size_t>(unifiedMember_)].dir;
      auto attached = attachedDevicePrograms(dir);
      if (!attached) return tl::unexpected(attached.error());
      if (*attached > 0) return std::nullopt;
      return "no BPF device program is attached to " + dir.path();
    }
    case DeviceMechanism::Unavailable:
      return std::string(kNoMechanism);
  }
  const Member* m = member(Controller::Devices);
  if (!m) return whyNoLimit(Controller::Devices);
  auto text = readWholeFileAt(m->dir, kV1DevicesListFile);
  if (!text) return tl::unexpected(text.error());
  auto listed = parseV1DevicesList(*text);
  if (!listed) return tl::unexpected(listed.error());
  for (const DeviceRule& rule : *listed) {
    if (rule.type == DeviceType::All && !rule.major && !rule.minor && rule.access == kDeviceRwm)
      return "its devices cgroup allows every device (" + m->dir.pathOf(kV1DevicesListFile) + ": a *:* rwm)";
  }
  return std::nullopt;
}

}  // namespace agent::cgroup
