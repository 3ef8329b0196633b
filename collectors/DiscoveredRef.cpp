#include "DiscoveredRef.h"

#include <algorithm>

namespace agent::collectors {

DiscoveredRef findDiscovered(const Snapshot& snapshot, std::string_view ref) {
  DiscoveredRef out;
  if (ref.empty()) return out;
  std::vector<const CgroupSample*> exact, loose;
  for (const auto& s : snapshot.cgroups) {
    auto runtime = s.classification.runtime;
    if (runtime == Runtime::Agent || !isContainerRuntime(runtime)) continue;
    const std::string& id = s.classification.id;
    if (id == ref || s.path == ref)
      exact.push_back(&s);
    else if (s.name == ref || (ref.size() >= 12 && id.compare(0, ref.size(), ref) == 0))
      loose.push_back(&s);
  }
  const auto& matches = exact.empty() ? loose : exact;
  // One container per runtime and id, at its first path.
  std::vector<const CgroupSample*> distinct;
  for (const CgroupSample* s : matches) {
    bool seen = std::any_of(distinct.begin(), distinct.end(), [s](const CgroupSample* d) {
      return d->classification.runtime == s->classification.runtime && d->classification.id == s->classification.id;
    });
    if (!seen) distinct.push_back(s);
  }
  if (distinct.size() == 1) out.found = distinct.front();
  if (distinct.size() > 1) {
    for (const CgroupSample* s : distinct)
      out.several.push_back(std::string(runtimeName(s->classification.runtime)) + " " +
                            s->classification.id.substr(0, 12) + " (" + s->name + ")");
  }
  return out;
}

std::string severalText(std::string_view ref, const std::vector<std::string>& several) {
  std::string list;
  for (const auto& one : several) list += (list.empty() ? "" : ", ") + one;
  return "\"" + std::string(ref) + "\" fits more than one container: " + list +
         "; give its id or cgroup path (agentctl ps --all-cgroups lists them)";
}

}  // namespace agent::collectors
