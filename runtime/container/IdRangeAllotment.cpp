#include "IdRangeAllotment.h"

#include <pwd.h>

#include "FileAt.h"
#include "IdSlots.h"

namespace agent::container {

namespace {

std::optional<uid_t> uidOf(const std::string& user) {
  passwd entry{}, *found = nullptr;
  char buffer[4096];
  if (::getpwnam_r(user.c_str(), &entry, buffer, sizeof buffer, &found) != 0 || found == nullptr) return std::nullopt;
  return found->pw_uid;
}

Result<std::vector<userns::IdRange>> rangesIn(const std::string& path, const std::string& user,
                                              std::optional<uid_t> uid) {
  auto text = readWholeFile(path);
  if (!text) {
    if (text.error().errnum == ENOENT) return std::vector<userns::IdRange>{};
    return tl::unexpected(text.error());
  }
  return userns::subordinateRangesOf(*text, user, uid, path);
}

}  // namespace

Result<std::vector<userns::IdMapping>> heldIdRanges(const StateStore& store) {
  auto ids = store.listIds();
  if (!ids) return tl::unexpected(ids.error());
  std::vector<userns::IdMapping> held;
  for (const auto& id : *ids) {
    auto config = store.readConfig(id);
    if (!config) {
      if (config.error().isGone()) continue;  // removed meanwhile
      return tl::unexpected(config.error());
    }
    if (config->spec.userns) held.push_back(*config->spec.userns);
  }
  return held;
}

Result<userns::IdMapping> allotIdRange(const SubordinateIdSource& source, const std::vector<userns::IdMapping>& held) {
  auto uid = uidOf(source.user);
  auto uids = rangesIn(source.subuidPath, source.user, uid);
  if (!uids) return tl::unexpected(uids.error());
  auto gids = rangesIn(source.subgidPath, source.user, uid);
  if (!gids) return tl::unexpected(gids.error());
  auto slots = userns::slotsOf(*uids, *gids);
  if (slots.empty()) {
    return userError("--userns auto needs host ids of user `" + source.user + "` in " + source.subuidPath + " and " +
                         source.subgidPath + ", at least " + std::to_string(userns::kIdsPerContainer) +
                         " of each, and there are none: run scripts/install-deps.sh run (it adds them), or name "
                         "another user with `userns_user`",
                     EINVAL);
  }
  auto free = userns::firstFreeSlot(slots, held);
  if (!free) {
    return userError("all " + std::to_string(slots.size()) + " id ranges of user `" + source.user +
                         "` are held by containers; remove stopped ones (agentctl ps -a, agentctl rm), or add ids to " +
                         source.subuidPath + " and " + source.subgidPath,
                     EBUSY);
  }
  return *free;
}

}  // namespace agent::container
