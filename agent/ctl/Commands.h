#pragma once
// agentctl's commands. Each returns the process exit code: 0 ok, 1 the agent refused (one
// line on stderr saying what and why), 3 the agent is unreachable; `run` without -d returns
// the container's own exit code.
#include <optional>
#include <string>
#include <vector>

#include "ApiClient.h"
#include "HijackedStream.h"

namespace agent::ctl {

// Percent-encodes everything but [A-Za-z0-9-_.], for a path segment or a query value.
std::string escapeQuery(const std::string& text);

inline constexpr int kExitOk = 0, kExitAgentError = 1, kExitUsage = 2, kExitUnreachable = 3;

struct GlobalOptions {
  std::string output = "table";  // table | json
  std::string api, tokenFile, stateDir = "/run/agent";
  std::string tlsCa;  // --tls-ca, AGENT_TLS_CA
};

struct RunOptions {
  std::string name, hostname, network, cpu, memory, pids, image, rootfs;  // network "": agentd's default
  std::string userns;                                                     // host | auto; empty: agentd's default_userns
  std::vector<std::string> labels, env, command;
  std::vector<std::string> devices;  // HOST[:CTR][:rwm], checked by agentd
  std::vector<std::string> publish;  // -p [HOSTIP:][HOSTPORT:]CTRPORT[/tcp|udp], checked by agentd
  bool publishAll = false;           // -P
  bool detach = false, remove = false;
  bool interactive = false, tty = false;                  // -i, -t (TerminalCommands.cpp)
  std::vector<std::string> capAdd, capDrop, securityOpt;  // confinement
  std::vector<std::string> volumes, tmpfs;                // -v, --tmpfs (VolumeSpec.h)
  bool readOnly = false;                                  // --read-only
  std::string user;                                       // --user; empty: the image's
  std::string workdir;                                    // --workdir; empty: the image's WorkingDir
  std::optional<std::string> entrypoint;                  // --entrypoint; "" clears the image's
};

struct StatsOptions {
  std::vector<std::string> ids;  // none: every container of ours (or all with allCgroups)
  bool noStream = false, allCgroups = false;
};

class Commands {
 public:
  explicit Commands(GlobalOptions options) : options_(std::move(options)) {}
  int run(const RunOptions& o);
  int ps(bool all, bool quiet);  // quiet: ids only (docker ps -q)
  // ps --all-cgroups: every container agentd discovered, whoever started it (StatsCommands.cpp).
  int psAllCgroups(bool all);
  // Redraws every second until Ctrl-C (then exits 0), or prints once (StatsCommands.cpp).
  int stats(const StatsOptions& options);
  int inspect(const std::string& id);
  // exec -u / -w: empty members leave the container's User and WorkingDir.
  struct ExecAs {
    std::string user;
    std::string workdir;
  };
  int exec(const std::string& id, const std::vector<std::string>& command, const ExecAs& as);
  // exec -i / -t (ExecCommands.cpp): the command's stdin or terminal streamed through the API.
  int execStream(const std::string& id, const std::vector<std::string>& command, bool interactive, bool tty,
                 const ExecAs& as);
  int logs(const std::string& id, bool follow, long tail);
  int stop(const std::string& id, long seconds);
  int kill(const std::string& id, const std::string& signal);
  int remove(const std::string& id, bool force);
  int pause(const std::string& id);
  int resume(const std::string& id);
  // Prints "cpu: 100% -> 50%" per resource given; exit 1 if any could not be set.
  int limit(const std::string& id, const std::string& cpu, const std::string& memory, const std::string& pids);
  int info();
  int policyValidate(const std::vector<std::string>& paths);
  int policyList();
  int policyReload();
  int policyExplain(const std::string& id);
  int imageList();
  int imageImport(const std::string& name, const std::string& tarFile);
  // Layered images (docs/images.md): a docker save archive or an OCI layout ("-": stdin).
  int imageLoad(const std::string& input);
  int imageInspect(const std::string& ref);
  int imageTag(const std::string& ref, const std::string& name);
  int imageRemove(const std::vector<std::string>& refs, bool force);
  int imagePrune();
  // A container's terminal (raw mode, resize, detach keys) or stdin (TerminalCommands.cpp).
  int attach(const std::string& id);

 private:
  // Finds the agent (once); on failure prints the reason and sets `exitCode`.
  bool connect(int& exitCode);
  // A request that got no answer: unreachable (3) when agentd is not there or ended while it
  // worked on it (then `effect`, or "what was asked may have been done", for what is not GET).
  static void reportUnanswered(const Error& error, const std::string& method, const std::string& effect, int& exitCode);
  // Calls the API; on failure prints the reason and sets `exitCode`. `effect` says what may
  // have happened if agentd ended while it worked on the request ("the container may have
  // been stopped").
  std::optional<ApiReply> call(const std::string& method, const std::string& path,
                               const std::optional<nlohmann::json>& body, int& exitCode, long timeoutSeconds = 120,
                               const std::string& effect = "");
  int simpleAction(const std::string& id, const std::string& verb, const std::string& query = "");
  // image load (ImageLoadCommand.cpp): the archive as the request's body, or by its path when
  // agentd is the one of --state-dir, on this host.
  int imageUpload(const std::string& input);
  int imageLoadByPath(const std::string& path);
  // A container's output: GET .../logs, or POST .../attach for `run` (OutputCommands.cpp).
  struct OutputRequest {
    std::string method, route;  // route: /v1/containers/<id>/logs or /attach
    std::string reader;         // attach: the reader whose lease each request renews
    bool remove = false;        // attach: agentd removes the container in the last reply
    bool follow = true;         // false: stop once caught up with what was written
    long tail = -1;             // the first request asks for the last lines only
  };
  struct OutputEnd {
    int exitCode = -1;       // once the container ended; -1: unknown (or still running)
    uint64_t lostBytes = 0;  // output rotated away before it was read
  };
  // Writes each frame's payload to stdout or stderr (the container's own stream) until the
  // container ends (follow) or the output written so far is out; nothing if the agent failed
  // (exitCode says how). `offset`: where to start; nullopt: the oldest output kept.
  std::optional<OutputEnd> streamOutput(const OutputRequest& request, std::optional<uint64_t> offset, int& exitCode);
  // As call(), for a reply that is not JSON.
  std::optional<HttpReply> exchange(const std::string& method, const std::string& path,
                                    const std::optional<nlohmann::json>& body, int& exitCode, long timeoutSeconds);
  // What agentd's refusal (status >= 400) says, for stderr.
  std::string refusal(long status, const nlohmann::json& body) const;
  bool wantsJson() const { return options_.output == "json"; }
  // One round of stats rows: /v1/stats, or each id's; nullopt (exitCode set) on failure.
  std::optional<nlohmann::json> statsRows(const StatsOptions& options, int& exitCode);

  // Terminals (TerminalCommands.cpp): the hijacked stream; a session until its end or a
  // detach, then the container's exit code; stdin copied on a thread (run -i without -t).
  // `refusedWhy`: where agentd's refusal goes instead of stderr (unreachable is always said).
  std::optional<HijackedStream> openStream(const std::string& id, int& exitCode, std::string* refusedWhy = nullptr);
  // A container that ended before its stream was opened: its log printed, its exit code (and
  // removed with `remove`); nullopt when it has not ended.
  std::optional<int> replayEnded(const std::string& id, bool remove);
  void sendWindowSize(const std::string& id);
  // `shown`: the container as the user knows it (the name or id given), for messages.
  // `justStarted` (run): a container that ended before the stream opened is replayed from its log.
  int terminalSession(const std::string& id, const std::string& shown, bool tty, bool sendStdin, bool remove,
                      bool justStarted);
  int streamStdin(const std::string& id);

  GlobalOptions options_;
  std::optional<ApiClient> client_;
};

}  // namespace agent::ctl
