#include "IdSlots.h"

#include <algorithm>

namespace agent::userns {

namespace {

std::vector<uint32_t> slotStarts(const std::vector<IdRange>& ranges) {
  std::vector<uint32_t> starts;
  for (const auto& range : ranges) {
    for (uint64_t offset = 0; offset + kIdsPerContainer <= range.count; offset += kIdsPerContainer)
      starts.push_back(static_cast<uint32_t>(range.start + offset));
  }
  return starts;
}

bool overlaps(uint64_t a, uint64_t aSize, uint64_t b, uint64_t bSize) {
  return a < b + bSize && b < a + aSize;
}

}  // namespace

std::vector<IdMapping> slotsOf(const std::vector<IdRange>& uidRanges, const std::vector<IdRange>& gidRanges) {
  auto uids = slotStarts(uidRanges), gids = slotStarts(gidRanges);
  std::vector<IdMapping> slots;
  for (size_t i = 0; i < std::min(uids.size(), gids.size()); ++i)
    slots.push_back(IdMapping{uids[i], gids[i], kIdsPerContainer});
  return slots;
}

std::optional<IdMapping> firstFreeSlot(const std::vector<IdMapping>& slots, const std::vector<IdMapping>& held) {
  for (const auto& slot : slots) {
    bool taken = std::any_of(held.begin(), held.end(), [&](const IdMapping& h) {
      return overlaps(slot.hostUid, slot.size, h.hostUid, h.size) ||
             overlaps(slot.hostGid, slot.size, h.hostGid, h.size);
    });
    if (!taken) return slot;
  }
  return std::nullopt;
}

}  // namespace agent::userns
