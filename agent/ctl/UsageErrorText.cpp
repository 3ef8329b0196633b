#include "UsageErrorText.h"

#include <regex>

namespace agent::ctl {

namespace {

// CLI11 2.1's wordings (CLI/Error.hpp) and what agentctl says instead.
struct Rewrite {
  std::regex pattern;
  const char* replacement;
};

const std::vector<Rewrite>& rewrites() {
  static const std::vector<Rewrite> table = {
      {std::regex(R"(^(\S+): At Most 1 required but received (\d+)$)"), "$1 was given $2 times; give it once"},
      {std::regex(R"(^(\S+): At Most (\d+) required but received (\d+)$)"), "$1 takes at most $2 values, got $3"},
      {std::regex(R"(^(\S+): (\d+) required \S+ missing$)"), "$1 needs a value"},
      {std::regex(R"(^Expected exactly 1 arguments to (\S+), got 0$)"), "$1 needs a value"},
      {std::regex(R"(^Expected exactly (\d+) arguments to (\S+), got (\d+)$)"), "$2 takes $1 values, got $3"},
      {std::regex(R"(^The following arguments? (was|were) not expected: (.*)$)"), "unexpected argument: $2"},
      {std::regex(R"(^(\S+) is required$)"), "$1 is required"},
      {std::regex(R"(^A subcommand is required$)"), "a command is required"},
      {std::regex(R"(^(\S+): (.*) not in \{(.*)\}$)"), "$1 takes one of $3, not \"$2\""},
      {std::regex(R"(^Could not convert: (\S+) = (.*)$)"), "$1 takes a number, not \"$2\""},
  };
  return table;
}

}  // namespace

std::string usageErrorText(std::string_view cliMessage, const std::string& subcommand) {
  std::string message(cliMessage);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  for (const auto& rewrite : rewrites()) {
    if (std::regex_match(message, rewrite.pattern)) {
      message = std::regex_replace(message, rewrite.pattern, rewrite.replacement);
      break;
    }
  }
  std::string help = subcommand.empty() ? "agentctl --help" : "agentctl " + subcommand + " --help";
  return "agentctl: " + message + " (" + help + " lists the options)";
}

}  // namespace agent::ctl
