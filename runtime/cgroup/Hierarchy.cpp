#include "Hierarchy.h"

#include <linux/magic.h>
#include <sys/vfs.h>

#include <algorithm>

#include "FileAt.h"
#include "ProcFs.h"
#include "TextParse.h"

namespace agent::cgroup {

std::string_view modeName(CgroupMode mode) {
  switch (mode) {
    case CgroupMode::V1:
      return "v1";
    case CgroupMode::Unified:
      return "unified";
    case CgroupMode::Hybrid:
      return "hybrid";
  }
  return "unknown";
}

namespace {

bool isUnder(const std::string& path, const std::string& root) {
  if (path == root) return true;
  std::string prefix = root.back() == '/' ? root : root + "/";
  return path.compare(0, prefix.size(), prefix) == 0;
}

// When a hierarchy is mounted more than once (bind mounts into containers, a second
// cgroupfs elsewhere), prefer the mount under the cgroup root, then the one showing the
// hierarchy's real root.
bool betterMount(const proc::MountEntry& candidate, const CgroupMount& current, const std::string& cgroupRoot) {
  bool candidateUnder = isUnder(candidate.mountPoint, cgroupRoot);
  bool currentUnder = isUnder(current.mountPoint, cgroupRoot);
  if (candidateUnder != currentUnder) return candidateUnder;
  return candidate.root == "/" && current.root != "/";
}

}  // namespace

Result<Hierarchy> Hierarchy::fromMounts(const std::vector<proc::MountEntry>& mounts, const std::string& cgroupRoot,
                                        bool rootIsCgroup2, std::string_view v2Controllers) {
  Hierarchy h;
  h.cgroupRoot_ = cgroupRoot;
  for (const auto& m : mounts) {
    if (m.fsType == "cgroup2") {
      if (!h.unified_ || betterMount(m, *h.unified_, cgroupRoot) || m.mountPoint == cgroupRoot) {
        h.unified_ = CgroupMount{CgroupVersion::V2, m.mountPoint, m.root};
      }
    } else if (m.fsType == "cgroup") {
      for (size_t i = 0; i < kControllerCount; ++i) {
        auto c = static_cast<Controller>(i);
        if (!m.hasSuperOption(v1Name(c))) continue;
        auto& slot = h.v1_[i];
        if (!slot || betterMount(m, *slot, cgroupRoot)) slot = CgroupMount{CgroupVersion::V1, m.mountPoint, m.root};
      }
    }
  }
  bool anyV1 = std::any_of(h.v1_.begin(), h.v1_.end(), [](const auto& slot) { return slot.has_value(); });
  if (rootIsCgroup2 || (h.unified_ && !anyV1)) {
    h.mode_ = CgroupMode::Unified;
    // On a unified host a stray v1 mount (some tools mount name=systemd or one controller)
    // does not change where the agent works.
    for (auto& slot : h.v1_) slot.reset();
  } else if (anyV1) {
    h.mode_ = h.unified_ ? CgroupMode::Hybrid : CgroupMode::V1;
  } else {
    return logicError("find a cgroup filesystem in mountinfo (is cgroupfs mounted?) under", cgroupRoot, ENOENT);
  }
  std::string_view rest = v2Controllers;
  for (auto name = text::nextField(rest); !name.empty(); name = text::nextField(rest)) {
    if (auto c = controllerFromV2Name(text::trim(name))) h.unifiedControllers_.add(*c);
  }
  return h;
}

Result<Hierarchy> Hierarchy::detect(const HierarchyPaths& paths) {
  proc::ProcFs procfs(paths.procRoot);
  auto mounts = procfs.readMountinfo(0);
  if (!mounts) return tl::unexpected(mounts.error());
  struct statfs fs {};
  if (::statfs(paths.cgroupRoot.c_str(), &fs) != 0) return systemError("statfs", paths.cgroupRoot);
  bool rootIsCgroup2 = fs.f_type == CGROUP2_SUPER_MAGIC;

  // Read the unified mount's controllers before building, so fromMounts stays pure.
  std::string v2Controllers;
  for (const auto& m : *mounts) {
    if (m.fsType != "cgroup2") continue;
    if (!rootIsCgroup2 || m.mountPoint == paths.cgroupRoot) {
      auto text = readWholeFile(m.mountPoint + "/cgroup.controllers");
      if (text) v2Controllers = *text;
      if (m.mountPoint == paths.cgroupRoot || isUnder(m.mountPoint, paths.cgroupRoot)) break;
    }
  }
  auto hierarchy = fromMounts(*mounts, paths.cgroupRoot, rootIsCgroup2, v2Controllers);
  if (!hierarchy) return hierarchy;
  if (auto self = procfs.readCgroup(0)) hierarchy->setSelfCgroups(std::move(*self));
  return hierarchy;
}

const CgroupMount* Hierarchy::mountFor(Controller c) const {
  const auto& v1 = v1_[static_cast<size_t>(c)];
  if (v1) return &*v1;
  if (!unified_) return nullptr;
  // Core features of every cgroup2 directory (cpu.stat usage, cgroup.freeze), so a hybrid
  // host without the v1 controller still has them in its unified tree.
  if (c == Controller::Cpuacct || c == Controller::Freezer) return &*unified_;
  return unifiedControllers_.has(c) ? &*unified_ : nullptr;
}

ControllerSet Hierarchy::available(ControllerSet wanted) const {
  ControllerSet offered;
  wanted.forEach([&](Controller c) {
    if (mountFor(c)) offered.add(c);
  });
  return offered;
}

std::vector<CgroupMount> Hierarchy::v1Mounts() const {
  std::vector<CgroupMount> mounts;
  for (const auto& slot : v1_) {
    if (slot && std::find(mounts.begin(), mounts.end(), *slot) == mounts.end()) mounts.push_back(*slot);
  }
  return mounts;
}

}  // namespace agent::cgroup
