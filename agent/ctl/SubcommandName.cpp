#include "SubcommandName.h"

#include <algorithm>

namespace agent::ctl {

std::string subcommandNamed(int argc, const char* const* argv, const std::vector<std::string>& names,
                            const std::vector<std::string>& optionsWithValue) {
  auto among = [](const std::vector<std::string>& list, const std::string& word) {
    return std::find(list.begin(), list.end(), word) != list.end();
  };
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--") break;
    if (among(optionsWithValue, word)) {
      ++i;  // its value, whatever it reads
      continue;
    }
    if (among(names, word)) return word;
  }
  return "";
}

}  // namespace agent::ctl
