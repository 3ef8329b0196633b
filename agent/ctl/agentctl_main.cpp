// agentctl: drives agentd through its control API. See docs/agentctl.md.
#include <CLI/CLI.hpp>
#include <iostream>

#include "CommandLine.h"
#include "Commands.h"
#include "UsageErrorText.h"
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
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    // The command as far as CLI11 got (`image load`), for its --help.
    std::string sub;
    for (CLI::App* at = &app; !at->get_subcommands().empty();) {
      at = at->get_subcommands().front();
      sub += (sub.empty() ? "" : " ") + at->get_name();
    }
    if (sub.empty()) sub = named;
    std::cerr << usageErrorText(e.what(), sub) << '\n';
    return kExitUsage;
  }
  Commands commands(global);
  for (auto& [subcommand, action] : added) {
    if (subcommand->parsed()) return action(commands);
  }
  return kExitUsage;
}
