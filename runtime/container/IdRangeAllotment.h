#pragma once
// Which host ids a container with a user namespace of its own gets (--userns auto): a slot of
// 65536 ids from the subordinate ranges of one user (`agent`, which scripts/install-deps.sh
// makes) that no container holds. The containers' records are the one list of what is held:
// a range is held from the moment config.json names it until `rm` takes the record away; a
// crash before config.json is written held nothing, so no range ever goes to two containers
// and nothing needs mending after a restart. The caller holds the runtime's lock.
#include <string>
#include <vector>

#include "IdMapping.h"
#include "StateStore.h"

namespace agent::container {

struct SubordinateIdSource {
  std::string user = "agent";
  std::string subuidPath = "/etc/subuid";
  std::string subgidPath = "/etc/subgid";
};

// The ranges the containers in `store` hold. A record that cannot be read may hold one, so
// it is an error rather than a free range.
Result<std::vector<userns::IdMapping>> heldIdRanges(const StateStore& store);

// The first free slot; refused with what to do when the user has no ranges or all are held.
Result<userns::IdMapping> allotIdRange(const SubordinateIdSource& source, const std::vector<userns::IdMapping>& held);

}  // namespace agent::container
