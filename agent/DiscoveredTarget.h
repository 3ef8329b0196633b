#pragma once
// Another runtime's container in a snapshot, as a LimitTarget: what `agentctl limit`, `policy
// explain` and the reconciler act on and match policies against. An engine's container
// (Docker's `web`) goes by the engine's name and carries its labels, so `names:` and
// `labels:` policies reach it, and says which engine and id it is (for limits through the
// engine's API).
#include "LimitTarget.h"
#include "Snapshot.h"

namespace agent {

policies::LimitTarget discoveredTarget(const collectors::Snapshot& snapshot, const collectors::CgroupSample& sample);

}  // namespace agent
