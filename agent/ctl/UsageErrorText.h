#pragma once
// What agentctl says when CLI11 refuses a command line: CLI11's own sentences ("--input: At
// Most 1 required but received 2", "Expected exactly 1 arguments to --cpu, got 0") said as
// agentctl's other errors are: `agentctl: `, what was wrong, and where the options are listed.
#include <string>
#include <string_view>

namespace agent::ctl {

// `cliMessage`: CLI::ParseError::what(); `subcommand`: the command named ("" for none).
// One line, without a trailing newline.
std::string usageErrorText(std::string_view cliMessage, const std::string& subcommand);

}  // namespace agent::ctl
