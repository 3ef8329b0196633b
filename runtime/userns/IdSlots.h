#pragma once
// Which ids a new container gets: the user's subordinate ranges cut into slots of
// kIdsPerContainer ids, and the first slot no container holds. Pure: the caller reads the
// files and the records (the records are the only truth, so a crash between allotting and
// recording loses nothing and never gives one slot twice).
#include <optional>
#include <vector>

#include "IdMapping.h"
#include "SubordinateIds.h"

namespace agent::userns {

// The k-th uid slot goes with the k-th gid slot; a range's tail shorter than a slot is unused.
std::vector<IdMapping> slotsOf(const std::vector<IdRange>& uidRanges, const std::vector<IdRange>& gidRanges);

// The first slot whose uids and gids overlap none of `held` (also when the files changed
// since a container got its ids: overlap, not equality, decides), or none when all are taken.
std::optional<IdMapping> firstFreeSlot(const std::vector<IdMapping>& slots, const std::vector<IdMapping>& held);

}  // namespace agent::userns
