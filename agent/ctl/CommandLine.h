#pragma once
// agentctl's command line: the global options and one entry per subcommand. A start adds
// only the subcommand it was given to CLI11 (building all of them cost about a third of
// agentctl's start, 0.3 ms of every `agentctl run`); help, and a line that names none or a
// wrong one, get them all, so what the user sees is the same.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "Commands.h"
#include "SubcommandName.h"

namespace agent::ctl {

// What to run once the command line was parsed and its subcommand was this one.
using CommandAction = std::function<int(Commands&)>;

struct SubcommandEntry {
  std::string name;
  // Adds the subcommand (its options bound to state the action keeps) to `app`.
  std::function<std::pair<CLI::App*, CommandAction>(CLI::App& app)> add;
};

void addGlobalOptions(CLI::App& app, GlobalOptions& global);
// The names ("--state-dir") of the options `app` has so far that take a value: read from the
// app, so that a new global option is skipped over with its value without a list to keep.
std::vector<std::string> optionsTakingAValue(const CLI::App& app);

// Every subcommand, in the order help lists them.
std::vector<SubcommandEntry> subcommandEntries();

}  // namespace agent::ctl
