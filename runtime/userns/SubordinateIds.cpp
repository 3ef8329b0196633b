#include "SubordinateIds.h"

#include <string>

#include "TextParse.h"

namespace agent::userns {

Result<std::vector<IdRange>> subordinateRangesOf(std::string_view text, std::string_view user, std::optional<uid_t> uid,
                                                 const std::string& path) {
  std::vector<IdRange> ranges;
  std::string uidText = uid ? std::to_string(*uid) : std::string();
  for (size_t lineNumber = 1; !text.empty(); ++lineNumber) {
    std::string_view line = text::trim(text::nextLine(text));
    if (line.empty() || line.front() == '#') continue;
    size_t first = line.find(':');
    std::string_view owner = line.substr(0, first);
    bool ours = !user.empty() && (owner == user || (uid && owner == uidText));
    if (!ours) continue;
    auto bad = [&](const std::string& why) {
      return logicError("read line " + std::to_string(lineNumber) + " (" + why +
                            "; each line is NAME:START:COUNT, e.g. agent:100000000:67108864)",
                        path);
    };
    std::string_view rest = line.substr(first + 1);
    size_t second = rest.find(':');
    if (second == std::string_view::npos) return bad("no COUNT field");
    auto start = text::toU64(rest.substr(0, second));
    auto count = text::toU64(rest.substr(second + 1));
    if (!start || !count) return bad("START and COUNT must be whole numbers");
    // Ids are 32 bits, and (uid_t)-1 is no id at all.
    if (*count == 0 || *start > UINT32_MAX || *count > UINT32_MAX - *start) return bad("the range passes 2^32 - 1");
    ranges.push_back(IdRange{*start, *count});
  }
  return ranges;
}

}  // namespace agent::userns
