#pragma once
// Which subcommand an agentctl command line names, found before CLI11 parses it (so that
// only that one need be built: CommandLine.h).
#include <string>
#include <vector>

namespace agent::ctl {

// The first word of argv[1..] that is one of `names` and not the value of a global option
// (`--state-dir DIR`; `--api=URL` holds its own), looking no further than `--`; "" if none.
std::string subcommandNamed(int argc, const char* const* argv, const std::vector<std::string>& names,
                            const std::vector<std::string>& optionsWithValue);

}  // namespace agent::ctl
