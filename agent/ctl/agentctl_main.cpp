// agentctl: drives agentd through its control API. See docs/agentctl.md.
#include <CLI/CLI.hpp>
#include <iostream>

#include "CommandLine.h"
#include "Commands.h"
#include "Version.h"

using namespace agent::ctl;

int main(int argc, char** argv) {
  CLI::App app{"agentctl: run and manage containers through agentd"};
  app.set_version_flag("--version", std::string("agentctl ") + agent::kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the command: `agentctl ps --output json`
  GlobalOptions global;
  addGlobalOptions(app, global);

  // Only the subcommand given is built (CommandLine.h); all of them when none is named.
  auto entries = subcommandEntries();
  std::vector<std::string> names;
  for (const auto& entry : entries) names.push_back(entry.name);
  std::string named = subcommandNamed(argc, argv, names, optionsTakingAValue(app));
  std::vector<std::pair<CLI::App*, CommandAction>> added;
  for (const auto& entry : entries) {
    if (named.empty() || entry.name == named) added.push_back(entry.add(app));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  Commands commands(global);
  for (auto& [subcommand, action] : added) {
    if (subcommand->parsed()) return action(commands);
  }
  return kExitUsage;
}
