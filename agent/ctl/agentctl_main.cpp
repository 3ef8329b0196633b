// agentctl: drives agentd through its control API. See docs/agentctl.md.
#include <CLI/CLI.hpp>
#include <iostream>

#include "Commands.h"
#include "Version.h"

using agent::ctl::kExitUsage;

int main(int argc, char** argv) {
  CLI::App app{"agentctl: run and manage containers through agentd"};
  app.set_version_flag("--version", std::string("agentctl ") + agent::kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the command: `agentctl ps --output json`
  agent::ctl::GlobalOptions global;
  app.add_option("--output", global.output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_option("--api", global.api, "URL of agentd's API (default: read from STATE_DIR/api)");
  app.add_option("--token-file", global.tokenFile, "API token file (default: STATE_DIR/token)");
  app.add_option("--state-dir", global.stateDir, "agentd's state directory")->capture_default_str();

  agent::ctl::RunOptions run;
  auto* runCmd = app.add_subcommand("run", "Create and start a container; without -d, wait and return its exit code");
  runCmd->add_option("--name", run.name, "Container name");
  // One value per occurrence: `--label a=b busybox` must not take the image for a label.
  runCmd->add_option("--label", run.labels, "Label KEY=VALUE (repeatable)")->allow_extra_args(false);
  runCmd->add_option("--env,-e", run.env, "Environment KEY=VALUE (repeatable)")->allow_extra_args(false);
  runCmd->add_option("--device", run.devices, "Host device HOST[:CONTAINER][:rwm] (repeatable)")
      ->allow_extra_args(false);
  runCmd->add_option("--hostname", run.hostname, "Hostname (default: the short id)");
  runCmd->add_option("--net", run.network, "none (own network namespace, lo only) or host")
      ->check(CLI::IsMember({"none", "host"}));
  runCmd
      ->add_option("--userns", run.userns,
                   "host (root is the host's root) or auto (a user namespace and host ids of its own); "
                   "default: agentd's default_userns")
      ->check(CLI::IsMember({"host", "auto"}));
  runCmd->add_option("--cpu", run.cpu, "CPU limit: 50% (of one CPU), 0.5, 500m, max");
  runCmd->add_option("--memory", run.memory, "Memory limit: 256Mi, 1g, bytes, max");
  runCmd->add_option("--pids", run.pids, "Maximum tasks, or max");
  runCmd->add_flag("-d,--detach", run.detach, "Print the id and return at once");
  runCmd->add_flag("--rm", run.remove, "Remove the container when it stops");
  runCmd->add_option("--rootfs", run.rootfs, "A directory to use as the root instead of an image (never written)");
  runCmd->add_option("--cap-add", run.capAdd, "Add a capability to Docker's default set, e.g. NET_ADMIN, or ALL")
      ->allow_extra_args(false);
  runCmd->add_option("--cap-drop", run.capDrop, "Drop a capability from Docker's default set, or ALL (repeatable)")
      ->allow_extra_args(false);
  runCmd
      ->add_option("--security-opt", run.securityOpt,
                   "seccomp=unconfined, or seccomp=PROFILE.json (Docker's format; read here and sent to agentd)")
      ->allow_extra_args(false);
  runCmd->add_option("image", run.image, "Image name (agentctl image ls)");
  runCmd->add_option("command", run.command, "Command and arguments, after --");

  bool all = false;
  auto* psCmd = app.add_subcommand("ps", "List containers (running and paused; -a: all)");
  psCmd->add_flag("-a,--all", all, "Include stopped containers");
  bool allCgroups = false;
  psCmd->add_flag("--all-cgroups", allCgroups,
                  "Every container agentd discovered (docker's, podman's, ...): runtime, id, name, cgroup");
  agent::ctl::StatsOptions stats;
  auto* statsCmd = app.add_subcommand(
      "stats", "Live CPU, memory, pids, throttling, network and block I/O per container (Ctrl-C ends)");
  statsCmd->add_flag("--no-stream", stats.noStream, "Print once and exit");
  statsCmd->add_flag("--all-cgroups", stats.allCgroups, "Every discovered container, not only agentd's");
  statsCmd->add_option("ids", stats.ids, "Ids, unique id prefixes or names; another engine's id, name or cgroup path");

  std::string id;
  std::vector<std::string> command;
  auto* inspectCmd = app.add_subcommand("inspect", "Show a container as JSON");
  inspectCmd->add_option("id", id, "Id, unique id prefix, or name")->required();
  auto* execCmd = app.add_subcommand("exec", "Run a command inside a running container");
  execCmd->add_option("id", id, "Id, unique id prefix, or name")->required();
  execCmd->add_option("command", command, "Command and arguments, after --")->required();
  bool follow = false;
  long tail = -1;
  auto* logsCmd = app.add_subcommand("logs", "Print a container's output");
  logsCmd->add_flag("-f,--follow", follow, "Keep printing until the container stops");
  logsCmd->add_option("--tail", tail, "Only the last N lines");
  logsCmd->add_option("id", id, "Id, unique id prefix, or name")->required();
  long seconds = 10;
  auto* stopCmd = app.add_subcommand("stop", "SIGTERM, wait, then SIGKILL");
  stopCmd->add_option("-t,--time", seconds, "Seconds to wait before SIGKILL")->capture_default_str();
  stopCmd->add_option("id", id, "Id, unique id prefix, or name")->required();
  std::string signal = "KILL";
  auto* killCmd = app.add_subcommand("kill", "Send a signal to the container's PID 1");
  killCmd->add_option("-s,--signal", signal, "Signal name or number")->capture_default_str();
  killCmd->add_option("id", id, "Id, unique id prefix, or name")->required();
  bool force = false;
  auto* rmCmd = app.add_subcommand("rm", "Remove a stopped container (-f: also a running one)");
  rmCmd->add_flag("-f,--force", force, "Kill it first if it runs");
  rmCmd->add_option("id", id, "Id, unique id prefix, or name")->required();
  auto* pauseCmd = app.add_subcommand("pause", "Freeze every process of the container");
  pauseCmd->add_option("id", id, "Id, unique id prefix, or name")->required();
  auto* resumeCmd = app.add_subcommand("resume", "Thaw a paused container");
  resumeCmd->add_option("id", id, "Id, unique id prefix, or name")->required();
  std::string limitCpu, limitMemory, limitPids;
  auto* limitCmd = app.add_subcommand(
      "limit", "Change a container's limits now and keep them (they outlive agentd restarts; `max` removes one)");
  limitCmd->add_option("--cpu", limitCpu, "CPU: 50% (of one CPU), 0.5, 500m, max");
  limitCmd->add_option("--memory", limitMemory, "Memory: 256Mi, 1g, bytes, max");
  limitCmd->add_option("--pids", limitPids, "Maximum tasks, or max");
  limitCmd->add_option("id", id, "Id, unique id prefix or name; another runtime's id, name or cgroup path")->required();
  auto* policyCmd = app.add_subcommand("policy", "Policies: validate files, list, reload, explain a container");
  policyCmd->require_subcommand(1);
  std::vector<std::string> policyFiles;
  auto* policyValidate = policyCmd->add_subcommand("validate", "Check policy files without applying them");
  policyValidate->add_option("files", policyFiles, "Policy files (YAML)")->required()->check(CLI::ExistingFile);
  auto* policyList = policyCmd->add_subcommand("list", "The policies in force and the last reload");
  auto* policyReload = policyCmd->add_subcommand("reload", "Read the policy directory again (as SIGHUP does)");
  auto* policyExplain =
      policyCmd->add_subcommand("explain", "Per resource: what the limit should be, what set it, what it is now");
  policyExplain->add_option("id", id, "Id, prefix or name; another runtime's id, name or cgroup path")->required();
  auto* infoCmd = app.add_subcommand("info", "Cgroup mode, controllers, versions, container counts");
  auto* imageCmd = app.add_subcommand("image", "Manage images");
  imageCmd->require_subcommand(1);
  auto* imageLs = imageCmd->add_subcommand("ls", "List images");
  std::string imageName, tarFile;
  auto* imageImport = imageCmd->add_subcommand("import", "Import a rootfs tarball (e.g. what `docker export` writes)");
  imageImport->add_option("name", imageName, "Image name")->required();
  imageImport->add_option("file", tarFile, "Tarball on this host")->required()->check(CLI::ExistingFile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  agent::ctl::Commands commands(global);
  if (runCmd->parsed()) return commands.run(run);
  if (psCmd->parsed()) return allCgroups ? commands.psAllCgroups(all) : commands.ps(all);
  if (statsCmd->parsed()) return commands.stats(stats);
  if (inspectCmd->parsed()) return commands.inspect(id);
  if (execCmd->parsed()) return commands.exec(id, command);
  if (logsCmd->parsed()) return commands.logs(id, follow, tail);
  if (stopCmd->parsed()) return commands.stop(id, seconds);
  if (killCmd->parsed()) return commands.kill(id, signal);
  if (rmCmd->parsed()) return commands.remove(id, force);
  if (pauseCmd->parsed()) return commands.pause(id);
  if (resumeCmd->parsed()) return commands.resume(id);
  if (infoCmd->parsed()) return commands.info();
  if (limitCmd->parsed()) return commands.limit(id, limitCpu, limitMemory, limitPids);
  if (policyValidate->parsed()) return commands.policyValidate(policyFiles);
  if (policyList->parsed()) return commands.policyList();
  if (policyReload->parsed()) return commands.policyReload();
  if (policyExplain->parsed()) return commands.policyExplain(id);
  if (imageLs->parsed()) return commands.imageList();
  if (imageImport->parsed()) return commands.imageImport(imageName, tarFile);
  return kExitUsage;
}
