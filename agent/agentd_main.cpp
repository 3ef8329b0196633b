// agentd: the per-host agent. Without a subcommand it runs the daemon in the foreground;
// `agentd probe` prints what it sees of this host.
#include <malloc.h>
#include <CLI/CLI.hpp>
#include <iostream>

#include "ChildProcessState.h"
#include "Daemon.h"
#include "Probe.h"
#include "Version.h"

int main(int argc, char** argv) {
  // What agentd inherited beyond stdio (a shell's `42>file`, a supervisor's descriptors) is
  // not agentd's to pass on: close-on-exec keeps it from every shim, container and exec,
  // whichever path starts them (CVE-2024-21626 class).
  agent::closeOnExecFrom(3);
  // Scrapes allocate a few MB on the HTTP servers' handler threads; with glibc's default of one arena per
  // thread that memory stays spread over many arenas. Two are plenty for agentd.
  ::mallopt(M_ARENA_MAX, 2);
  CLI::App app{"agentd: per-host container and cgroup agent (runs in the foreground; stop it with SIGTERM)"};
  app.set_version_flag("--version", std::string("agentd ") + agent::kVersion);
  app.require_subcommand(0, 1);

  agent::AgentConfig config;
  app.add_option("--config", config.configFile, "YAML config file (every key optional)")->capture_default_str();
  app.add_option("--state-dir", config.stateDir, "Container state, token, api URL")->capture_default_str();
  app.add_option("--data-dir", config.dataDir, "Images, container layers and logs")->capture_default_str();
  app.add_option("--policy-dir", config.policyDir, "Policy files (*.yaml)")->capture_default_str();
  app.add_option("--cgroup-parent", config.cgroupParent,
                 "Cgroup under which containers live (a slice, e.g. agent.slice, under the systemd driver)")
      ->capture_default_str();
  app.add_option("--cgroup-driver", config.cgroupDriver,
                 "auto, systemd (a transient scope per container) or cgroupfs; auto: systemd where it is PID 1 "
                 "on cgroup v2")
      ->capture_default_str();
  app.add_option("--metrics-address", config.metricsAddress,
                 "HOST:PORT of /metrics (\":9101\": every interface); port 0 picks a free one")
      ->capture_default_str();
  app.add_option("--api-address", config.apiAddress, "HOST:PORT of the control API; port 0 picks a free one")
      ->capture_default_str();
  app.add_option("--max-image-upload", config.maxImageUpload,
                 "Bytes an image archive sent to the API (image load from another host) may have")
      ->capture_default_str();
  app.add_option("--log-level", config.logLevel, "trace, debug, info, warn or error")->capture_default_str();

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

  // The file sits between the defaults and the flags: load it, then apply the flags again.
  bool explicitConfig = app.get_option("--config")->count() > 0;
  agent::AgentConfig fromFile = config;
  if (auto loaded = agent::loadConfigFile(config.configFile, explicitConfig, fromFile); !loaded) {
    std::cerr << "agentd: " << loaded.error().message() << '\n';
    return 2;
  }
  for (const auto* option : app.get_options()) {
    if (option->count() == 0) continue;
    const std::string& name = option->get_name();
    if (name == "--state-dir")
      fromFile.stateDir = config.stateDir;
    else if (name == "--data-dir")
      fromFile.dataDir = config.dataDir;
    else if (name == "--policy-dir")
      fromFile.policyDir = config.policyDir;
    else if (name == "--cgroup-parent")
      fromFile.cgroupParent = config.cgroupParent;
    else if (name == "--cgroup-driver")
      fromFile.cgroupDriver = config.cgroupDriver;
    else if (name == "--metrics-address")
      fromFile.metricsAddress = config.metricsAddress;
    else if (name == "--api-address")
      fromFile.apiAddress = config.apiAddress;
    else if (name == "--max-image-upload")
      fromFile.maxImageUpload = config.maxImageUpload;
    else if (name == "--log-level")
      fromFile.logLevel = config.logLevel;
  }
  // Refused before anything starts: the API token must not cross a network in clear.
  if (auto listener = agent::checkApiListener(fromFile.apiAddress, fromFile.apiTls); !listener) {
    std::cerr << "agentd: " << listener.error().message() << '\n';
    return 2;
  }
  if (fromFile.apiTls.enabled()) {
    if (auto files = agent::readApiTlsFiles(fromFile.apiTls); !files) {
      std::cerr << "agentd: " << files.error().message() << '\n';
      return 2;
    }
  }
  return agent::runDaemon(fromFile, explicitConfig);
}
