#include "ProcCgroup.h"

#include "TextParse.h"

namespace agent::proc {

std::vector<CgroupMembership> parseProcCgroup(std::string_view text) {
  std::vector<CgroupMembership> memberships;
  while (!text.empty()) {
    std::string_view line = text::nextLine(text);
    size_t first = line.find(':');
    if (first == std::string_view::npos) continue;
    size_t second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    auto id = text::toI64(line.substr(0, first));
    if (!id) continue;
    CgroupMembership membership;
    membership.hierarchyId = static_cast<int>(*id);
    std::string_view list = line.substr(first + 1, second - first - 1);
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view name = list.substr(0, comma);
      if (!name.empty()) membership.controllers.emplace_back(name);
      list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    }
    // The path is everything after the second colon: it may itself contain colons.
    membership.path = std::string(line.substr(second + 1));
    memberships.push_back(std::move(membership));
  }
  return memberships;
}

}  // namespace agent::proc
