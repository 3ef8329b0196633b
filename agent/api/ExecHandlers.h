#pragma once
// `exec -t` and `exec -i` through the API (docs/agentd.md, "Terminals"), as Docker's
// hijacked exec start:
//   POST /v1/containers/{id}/exec?stream=1 with `Upgrade: tcp` and the body
//     {"command": [...], "tty": bool, "stdin": bool, "rows": N, "columns": N}
//     -> 101 with `Agent-Exec-Id: EID`, then the connection is the exec's stream: with a
//     terminal raw bytes both ways; without, stdin raw one way and stdout/stderr back as
//     frames (StreamFrames.h), the client's half-close being stdin's EOF
//   POST /v1/execs/{eid}/resize?h=ROWS&w=COLUMNS -> the exec's terminal's window size
//   GET  /v1/execs/{eid} -> {"id", "container", "running", "exit_code" once ended}
// The stream ends after the command did and its exit code is kept: the client asks for it
// then. agentd holds the terminal (ExecStreams.h says why); a client that goes away hangs it
// up, as agentd's end does.
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "ApiRouter.h"
#include "ContainerRuntime.h"

namespace agent {

class ExecHandlers {
 public:
  explicit ExecHandlers(container::ContainerRuntime& runtime);
  HttpResponse start(const std::string& id, const HttpRequest& request);
  HttpResponse resize(const std::string& execId, const HttpRequest& request);
  HttpResponse inspect(const std::string& execId);

  // One exec with a stream, and the execs of this agentd's life (the last finished ones).
  struct Session {
    std::string id, container;
    std::mutex mutex;             // guards what follows
    int terminal = -1;            // the master while the stream lasts (for resize); -1 after
    std::optional<int> exitCode;  // once the helper ended
  };
  struct Registry {
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<Session>> sessions;
    std::deque<std::string> finished;  // oldest first; kept up to kKeptFinished
    void ended(const std::shared_ptr<Session>& session, int exitCode);
  };
  static constexpr size_t kKeptFinished = 256;

 private:
  std::shared_ptr<Session> find(const std::string& execId);

  container::ContainerRuntime& runtime_;
  std::shared_ptr<Registry> registry_;  // shared with the streams' threads, which may outlive a request
};

}  // namespace agent
