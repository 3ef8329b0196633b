// agentd: the per-host agent. This build has one subcommand, `probe`; the daemon itself
// (API, collection, containers) lands with the next milestones.
#include <CLI/CLI.hpp>
#include <iostream>

#include "Probe.h"
#include "Version.h"

int main(int argc, char** argv) {
  CLI::App app{"agentd: per-host container and cgroup agent"};
  app.set_version_flag("--version", std::string("agentd ") + agent::kVersion);
  app.require_subcommand(0, 1);

  agent::ProbeOptions probe;
  auto* probeCommand = app.add_subcommand(
      "probe",
      "Print what the agent sees: cgroup mode (v1|unified|hybrid), controller -> mount point, kernel, "
      "and the namespaces of pid 1 and of itself");
  probeCommand->add_option("--cgroup-root", probe.paths.cgroupRoot, "Where cgroup filesystems are mounted")
      ->capture_default_str();
  probeCommand->add_option("--proc-root", probe.paths.procRoot, "Where procfs is mounted")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  if (probeCommand->parsed()) return agent::runProbe(probe, std::cout, std::cerr);

  std::cerr << "agentd: the daemon mode is not built yet; run `agentd probe` to see what the agent sees.\n"
            << "Run `agentd --help` for usage.\n";
  return 2;
}
