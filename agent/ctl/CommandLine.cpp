#include "CommandLine.h"

#include <memory>

namespace agent::ctl {

void addGlobalOptions(CLI::App& app, GlobalOptions& global) {
  app.add_option("--output", global.output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_option("--api", global.api, "URL of agentd's API (default: read from STATE_DIR/api)");
  app.add_option("--token-file", global.tokenFile, "API token file (default: STATE_DIR/token)");
  app.add_option("--tls-ca", global.tlsCa,
                 "CA certificates (PEM) that signed agentd's api_tls_cert, for https:// --api")
      ->envname("AGENT_TLS_CA");
  app.add_option("--state-dir", global.stateDir, "agentd's state directory")->capture_default_str();
}

std::vector<std::string> optionsTakingAValue(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_items_expected_min() == 0) continue;  // a flag: --version, --help
    for (const auto& name : option->get_lnames()) names.push_back("--" + name);
    for (const auto& name : option->get_snames()) names.push_back("-" + name);
  }
  return names;
}

namespace {

constexpr char kIdHelp[] = "Id, unique id prefix, or name";

// A subcommand that takes one container and runs `action` on it.
SubcommandEntry oneContainer(std::string name, std::string description,
                             std::function<int(Commands&, const std::string&)> action) {
  return {name, [name, description, action](CLI::App& app) {
            auto id = std::make_shared<std::string>();
            auto* sub = app.add_subcommand(name, description);
            sub->add_option("ID", *id, kIdHelp)->required();
            return std::make_pair(sub, CommandAction([id, action](Commands& c) { return action(c, *id); }));
          }};
}

// After the first positional every word is the command's (positionals_at_end), `--` too:
// `run IMAGE -- CMD` and `exec ID -- CMD` mean what they meant before.
void dropLeadingSeparator(std::vector<std::string>& command) {
  if (!command.empty() && command.front() == "--") command.erase(command.begin());
}

SubcommandEntry runEntry() {
  return {
      "run", [](CLI::App& app) {
        auto run = std::make_shared<RunOptions>();
        auto* cmd =
            app.add_subcommand("run", "Create and start a container; without -d, wait and return its exit code");
        cmd->add_option("--name", run->name, "Container name");
        // One value per occurrence: `--label a=b busybox` must not take the image for a label.
        cmd->add_option("--label", run->labels, "Label KEY=VALUE (repeatable)")->allow_extra_args(false);
        cmd->add_option("--env,-e", run->env, "Environment KEY=VALUE (repeatable)")->allow_extra_args(false);
        cmd->add_option("--device", run->devices, "Host device HOST[:CONTAINER][:rwm] (repeatable)")
            ->allow_extra_args(false);
        cmd->add_option("-v,--volume", run->volumes, "Bind mount HOST:CONTAINER[:ro] (repeatable)")
            ->allow_extra_args(false);
        cmd->add_option("--tmpfs", run->tmpfs, "tmpfs mount CONTAINER[:size=64m,mode=1777] (repeatable)")
            ->allow_extra_args(false);
        cmd->add_flag("--read-only", run->readOnly, "Mount the container's root read-only");
        cmd->add_option("-u,--user", run->user, "Run as NAME, UID, NAME:GROUP or UID:GID (default: the image's User)");
        cmd->add_option("-w,--workdir", run->workdir,
                        "Start in this directory inside the container, made if missing (default: the image's "
                        "WorkingDir, else /)");
        cmd->add_option("--entrypoint", run->entrypoint,
                        "Run this instead of the image's Entrypoint and Cmd (\"\" clears the Entrypoint only)");
        cmd->add_option("--hostname", run->hostname, "Hostname (default: the short id)");
        cmd->add_option("--net,--network", run->network,
                        "none (lo only), host (the host's), bridge (the agent's bridge: an address, NAT, -p) or "
                        "container:NAME (share that one's); default: agentd's default_network")
            ->check(
                [](const std::string& value) {
                  if (value == "none" || value == "host" || value == "bridge") return std::string();
                  if (value.rfind("container:", 0) == 0 && value.size() > 10) return std::string();
                  return "expected none, host, bridge or container:NAME, not `" + value + "`";
                },
                "MODE");
        cmd->add_option("-p,--publish", run->publish,
                        "Publish a port of a --net bridge container: [HOSTIP:][HOSTPORT:]CTRPORT[/tcp|udp] "
                        "(repeatable; no HOSTPORT: a free one, shown by ps and inspect)")
            ->allow_extra_args(false);
        cmd->add_flag("-P,--publish-all", run->publishAll,
                      "Publish each port the image exposes (its ExposedPorts) on a free host port");
        cmd->add_option("--userns", run->userns,
                        "host (root is the host's root) or auto (a user namespace and host ids of its own); "
                        "default: agentd's default_userns")
            ->check(CLI::IsMember({"host", "auto"}));
        cmd->add_option("--cpu", run->cpu, "CPU limit: 50% (of one CPU), 0.5, 500m, max");
        cmd->add_option("--memory", run->memory, "Memory limit: 256Mi, 1g, bytes, max");
        cmd->add_option("--pids", run->pids, "Maximum tasks, or max");
        cmd->add_flag("-d,--detach", run->detach, "Print the id and return at once");
        cmd->add_flag("--rm", run->remove, "Remove the container when it stops");
        cmd->add_flag("-i,--interactive", run->interactive, "Keep stdin open and stream agentctl's into it");
        cmd->add_flag("-t,--tty", run->tty, "A terminal for the container (Ctrl-P Ctrl-Q detaches)");
        cmd->add_option("--rootfs", run->rootfs, "A directory to use as the root instead of an image (never written)");
        cmd->add_option("--cap-add", run->capAdd, "Add a capability to Docker's default set, e.g. NET_ADMIN, or ALL")
            ->allow_extra_args(false);
        cmd->add_option("--cap-drop", run->capDrop, "Drop a capability from Docker's default set, or ALL (repeatable)")
            ->allow_extra_args(false);
        cmd->add_option("--security-opt", run->securityOpt,
                        "seccomp=unconfined, or seccomp=PROFILE.json (Docker's format; read here and sent to "
                        "agentd)")
            ->allow_extra_args(false);
        cmd->add_option("IMAGE", run->image, "Image name (agentctl image ls)");
        cmd->add_option("COMMAND", run->command, "Command and arguments: every word after IMAGE (`--` optional)");
        // As docker run: from IMAGE on, every word is the command's (`busybox sh -c 'echo hi'`).
        cmd->positionals_at_end();
        return std::make_pair(cmd, CommandAction([run](Commands& c) {
                                dropLeadingSeparator(run->command);
                                return c.run(*run);
                              }));
      }};
}

SubcommandEntry psEntry() {
  return {"ps", [](CLI::App& app) {
            auto all = std::make_shared<bool>(false), allCgroups = std::make_shared<bool>(false),
                 quiet = std::make_shared<bool>(false);
            auto* cmd = app.add_subcommand("ps", "List containers (running and paused; -a: all)");
            cmd->add_flag("-a,--all", *all, "Include stopped containers");
            cmd->add_flag("-q,--quiet", *quiet, "Only the ids, one a line (agentd's containers)");
            cmd->add_flag("--all-cgroups", *allCgroups,
                          "Every container agentd discovered (docker's, podman's, ...): runtime, id, name, cgroup");
            return std::make_pair(cmd, CommandAction([all, allCgroups, quiet](Commands& c) {
                                    return *allCgroups ? c.psAllCgroups(*all) : c.ps(*all, *quiet);
                                  }));
          }};
}

SubcommandEntry statsEntry() {
  return {"stats", [](CLI::App& app) {
            auto stats = std::make_shared<StatsOptions>();
            auto* cmd = app.add_subcommand(
                "stats", "Live CPU, memory, pids, throttling, network and block I/O per container (Ctrl-C ends)");
            cmd->add_flag("--no-stream", stats->noStream, "Print once and exit");
            cmd->add_flag("--all-cgroups", stats->allCgroups, "Every discovered container, not only agentd's");
            cmd->add_option("ID", stats->ids,
                            "Ids, unique id prefixes or names; another engine's id, name or cgroup path");
            return std::make_pair(cmd, CommandAction([stats](Commands& c) { return c.stats(*stats); }));
          }};
}

SubcommandEntry execEntry() {
  return {
      "exec", [](CLI::App& app) {
        auto id = std::make_shared<std::string>();
        auto command = std::make_shared<std::vector<std::string>>();
        auto* cmd = app.add_subcommand("exec", "Run a command inside a running container");
        cmd->add_option("ID", *id, kIdHelp)->required();
        cmd->add_option("COMMAND", *command, "Command and arguments: every word after ID (`--` optional)")->required();
        cmd->positionals_at_end();                                 // as docker exec: `exec ID sh -c 'echo hi'`
        auto streams = std::make_shared<std::pair<bool, bool>>();  // -i, -t (ExecCommands.cpp)
        cmd->add_flag("-i,--interactive", streams->first, "Stream agentctl's stdin into the command");
        cmd->add_flag("-t,--tty", streams->second, "A terminal for the command");
        auto as = std::make_shared<Commands::ExecAs>();
        cmd->add_option("-u,--user", as->user,
                        "Run as NAME, UID, NAME:GROUP or UID:GID (default: the container's user)");
        cmd->add_option("-w,--workdir", as->workdir,
                        "Start in this directory inside the container (default: its working directory)");
        return std::make_pair(cmd, CommandAction([id, command, streams, as](Commands& c) {
                                dropLeadingSeparator(*command);
                                return streams->first || streams->second
                                           ? c.execStream(*id, *command, streams->first, streams->second, *as)
                                           : c.exec(*id, *command, *as);
                              }));
      }};
}

SubcommandEntry logsEntry() {
  return {"logs", [](CLI::App& app) {
            struct State {
              std::string id;
              bool follow = false;
              long tail = -1;
            };
            auto s = std::make_shared<State>();
            auto* cmd = app.add_subcommand("logs", "Print a container's output");
            cmd->add_flag("-f,--follow", s->follow, "Keep printing until the container stops");
            cmd->add_option("--tail", s->tail, "Only the last N lines");
            cmd->add_option("ID", s->id, kIdHelp)->required();
            return std::make_pair(cmd, CommandAction([s](Commands& c) { return c.logs(s->id, s->follow, s->tail); }));
          }};
}

SubcommandEntry stopEntry() {
  return {"stop", [](CLI::App& app) {
            auto id = std::make_shared<std::string>();
            auto seconds = std::make_shared<long>(10);
            auto* cmd = app.add_subcommand("stop", "SIGTERM, wait, then SIGKILL");
            cmd->add_option("-t,--time", *seconds, "Seconds to wait before SIGKILL")->capture_default_str();
            cmd->add_option("ID", *id, kIdHelp)->required();
            return std::make_pair(cmd, CommandAction([id, seconds](Commands& c) { return c.stop(*id, *seconds); }));
          }};
}

SubcommandEntry killEntry() {
  return {"kill", [](CLI::App& app) {
            auto id = std::make_shared<std::string>();
            auto signal = std::make_shared<std::string>("KILL");
            auto* cmd = app.add_subcommand("kill", "Send a signal to the container's PID 1");
            cmd->add_option("-s,--signal", *signal, "Signal name or number")->capture_default_str();
            cmd->add_option("ID", *id, kIdHelp)->required();
            return std::make_pair(cmd, CommandAction([id, signal](Commands& c) { return c.kill(*id, *signal); }));
          }};
}

SubcommandEntry rmEntry() {
  return {"rm", [](CLI::App& app) {
            auto ids = std::make_shared<std::vector<std::string>>();
            auto force = std::make_shared<bool>(false);
            auto* cmd = app.add_subcommand("rm", "Remove stopped containers (-f: also running ones)");
            cmd->add_flag("-f,--force", *force, "Kill each first if it runs");
            cmd->add_option("ID", *ids, std::string(kIdHelp) + " (several: each removed, as docker rm)")->required();
            // As docker rm: each is tried; the exit code is the last failure's.
            return std::make_pair(cmd, CommandAction([ids, force](Commands& c) {
                                    int exitCode = 0;
                                    for (const auto& id : *ids)
                                      if (int code = c.remove(id, *force); code != 0) exitCode = code;
                                    return exitCode;
                                  }));
          }};
}

SubcommandEntry limitEntry() {
  return {"limit", [](CLI::App& app) {
            struct State {
              std::string id, cpu, memory, pids;
            };
            auto s = std::make_shared<State>();
            auto* cmd = app.add_subcommand(
                "limit",
                "Change a container's limits now and keep them (they outlive agentd restarts; `max` removes one)");
            cmd->add_option("--cpu", s->cpu, "CPU: 50% (of one CPU), 0.5, 500m, max");
            cmd->add_option("--memory", s->memory, "Memory: 256Mi, 1g, bytes, max");
            cmd->add_option("--pids", s->pids, "Maximum tasks, or max");
            cmd->add_option("ID", s->id, "Id, unique id prefix or name; another runtime's id, name or cgroup path")
                ->required();
            return std::make_pair(
                cmd, CommandAction([s](Commands& c) { return c.limit(s->id, s->cpu, s->memory, s->pids); }));
          }};
}

SubcommandEntry policyEntry() {
  return {"policy", [](CLI::App& app) {
            struct State {
              std::vector<std::string> files;
              std::string id;
              CLI::App *validate, *list, *reload, *explain;
            };
            auto s = std::make_shared<State>();
            auto* cmd = app.add_subcommand("policy", "Policies: validate files, list, reload, explain a container");
            cmd->require_subcommand(1);
            s->validate = cmd->add_subcommand("validate", "Check policy files without applying them");
            s->validate->add_option("FILE", s->files, "Policy files (YAML)")->required()->check(CLI::ExistingFile);
            s->list = cmd->add_subcommand("list", "The policies in force and the last reload");
            s->reload = cmd->add_subcommand("reload", "Read the policy directory again (as SIGHUP does)");
            s->explain =
                cmd->add_subcommand("explain", "Per resource: what the limit should be, what set it, what it is now");
            s->explain->add_option("ID", s->id, "Id, prefix or name; another runtime's id, name or cgroup path")
                ->required();
            return std::make_pair(cmd, CommandAction([s](Commands& c) {
                                    if (s->validate->parsed()) return c.policyValidate(s->files);
                                    if (s->list->parsed()) return c.policyList();
                                    if (s->reload->parsed()) return c.policyReload();
                                    if (s->explain->parsed()) return c.policyExplain(s->id);
                                    return kExitUsage;
                                  }));
          }};
}

SubcommandEntry imageEntry() {
  return {"image", [](CLI::App& app) {
            struct State {
              std::string name, tarFile, input, ref, newName;
              std::vector<std::string> refs;
              bool force = false;
              CLI::App *ls, *import, *load, *inspect, *tag, *rm, *prune;
            };
            auto s = std::make_shared<State>();
            auto* cmd = app.add_subcommand("image", "Manage images");
            cmd->require_subcommand(1);
            s->ls = cmd->add_subcommand("ls", "List images (layered and flat), with the size their layers share");
            s->load = cmd->add_subcommand(
                "load", "Load images from a docker save archive or an OCI layout (directory or tar; stdin without -i)");
            s->load->add_option("-i,--input", s->input, "Archive or OCI layout directory; - or none: stdin");
            s->import = cmd->add_subcommand("import", "Import a rootfs tarball (e.g. what `docker export` writes)");
            s->import->add_option("NAME", s->name, "Image name")->required();
            s->import->add_option("FILE", s->tarFile, "Tarball on this host")->required()->check(CLI::ExistingFile);
            s->inspect = cmd->add_subcommand("inspect", "Show a layered image as JSON: id, names, layers, config");
            s->inspect->add_option("IMAGE", s->ref, "Name[:tag], id or id prefix")->required();
            s->tag = cmd->add_subcommand("tag", "Give an image another name");
            s->tag->add_option("IMAGE", s->ref, "Name[:tag], id or id prefix")->required();
            s->tag->add_option("NEW_NAME", s->newName, "New name[:tag]")->required();
            s->rm = cmd->add_subcommand("rm", "Remove a name, and the image with its last name (refused while used)");
            s->rm->add_option("IMAGE", s->refs, "Names[:tag], ids or id prefixes")->required();
            s->rm->add_flag("-f,--force", s->force, "Also an image a container uses, or one with several names");
            s->prune = cmd->add_subcommand("prune", "Delete the layers no image and no container uses");
            return std::make_pair(cmd, CommandAction([s](Commands& c) {
                                    if (s->ls->parsed()) return c.imageList();
                                    if (s->import->parsed()) return c.imageImport(s->name, s->tarFile);
                                    if (s->load->parsed()) return c.imageLoad(s->input);
                                    if (s->inspect->parsed()) return c.imageInspect(s->ref);
                                    if (s->tag->parsed()) return c.imageTag(s->ref, s->newName);
                                    if (s->rm->parsed()) return c.imageRemove(s->refs, s->force);
                                    if (s->prune->parsed()) return c.imagePrune();
                                    return kExitUsage;
                                  }));
          }};
}

SubcommandEntry infoEntry() {
  return {"info", [](CLI::App& app) {
            auto* cmd = app.add_subcommand("info", "Cgroup mode, controllers, versions, container counts");
            return std::make_pair(cmd, CommandAction([](Commands& c) { return c.info(); }));
          }};
}

}  // namespace

std::vector<SubcommandEntry> subcommandEntries() {
  return {
      runEntry(),
      psEntry(),
      statsEntry(),
      oneContainer("inspect", "Show a container as JSON",
                   [](Commands& c, const std::string& id) { return c.inspect(id); }),
      execEntry(),
      logsEntry(),
      stopEntry(),
      killEntry(),
      rmEntry(),
      oneContainer("pause", "Freeze every process of the container",
                   [](Commands& c, const std::string& id) { return c.pause(id); }),
      oneContainer("resume", "Thaw a paused container",
                   [](Commands& c, const std::string& id) { return c.resume(id); }),
      oneContainer("attach", "Attach to a container's terminal or stdin (Ctrl-P Ctrl-Q detaches)",
                   [](Commands& c, const std::string& id) { return c.attach(id); }),
      limitEntry(),
      policyEntry(),
      infoEntry(),
      imageEntry(),
  };
}

}  // namespace agent::ctl
