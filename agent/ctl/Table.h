#pragma once
// Column-aligned text tables for people; --output json is for scripts.
#include <iosfwd>
#include <string>
#include <vector>

namespace agent::ctl {

void printTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

}  // namespace agent::ctl
