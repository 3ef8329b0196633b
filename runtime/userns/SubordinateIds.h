#pragma once
// /etc/subuid and /etc/subgid (subuid(5)): one "name-or-uid:start:count" per line; a user may
// have several lines. They reserve host ids for a user so that no other tool hands them out;
// agentd (root) writes the maps itself and reads these files only for that reservation.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::userns {

struct IdRange {
  uint64_t start = 0;
  uint64_t count = 0;
  bool operator==(const IdRange&) const = default;
};

// The ranges of `user` (lines naming it, or its uid when given), in file order. Blank lines
// and '#' comments are skipped; a malformed line of another user is none of ours and is
// skipped too (shadow's tools do not stop at it either); a malformed line of `user`, or a
// range that passes 2^32, is an error naming `pathForErrors` and the line.
Result<std::vector<IdRange>> subordinateRangesOf(std::string_view fileText, std::string_view user,
                                                 std::optional<uid_t> uid, const std::string& pathForErrors);

}  // namespace agent::userns
