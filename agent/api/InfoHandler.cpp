#include "InfoHandler.h"

#include <sys/utsname.h>

#include "Version.h"

namespace agent {

using nlohmann::json;

HttpResponse infoResponse(const container::ContainerRuntime& runtime, const cgroup::Hierarchy& hierarchy) {
  json controllers = json::object();
  for (size_t i = 0; i < cgroup::kControllerCount; ++i) {
    auto c = static_cast<cgroup::Controller>(i);
    if (const auto* m = hierarchy.mountFor(c)) {
      controllers[std::string(cgroup::displayName(c))] = {
          {"version", m->version == cgroup::CgroupVersion::V1 ? "v1" : "v2"}, {"mount", m->mountPoint}};
    }
  }
  json counts = {{"running", 0}, {"paused", 0}, {"stopped", 0}, {"created", 0}};
  if (auto list = runtime.list()) {
    for (const auto& c : *list) {
      auto& count = counts[std::string(container::stateName(c.status.state))];
      count = count.get<int>() + 1;
    }
  }
  utsname uts{};
  ::uname(&uts);
  return {200,
          {{"version", kVersion},
           {"cgroup_mode", std::string(cgroup::modeName(hierarchy.mode()))},
           {"cgroup_parent", runtime.config().cgroupParent},
           {"controllers", controllers},
           {"containers", counts},
           {"kernel", std::string(uts.release)},
           {"state_dir", runtime.config().stateDir},
           {"data_dir", runtime.config().dataDir}}};
}

}  // namespace agent
