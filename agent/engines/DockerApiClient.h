#pragma once
// Follows one Docker-compatible engine (Docker's Engine API; podman's Docker-compatible API
// speaks the same) and keeps its containers in the EngineDirectory: a full listing (list,
// then inspect each) when it connects, then GET /events for create, rename, start and
// destroy; nothing is polled. The event stream starts from just before the listing
// (`since`), so nothing that happens between the two is lost; replayed events only inspect
// again. An engine that is absent or down costs a stat or a refused connect per retry (1 s
// doubling to 30 s), is logged once per outage, and its containers keep their names until
// it is back and listed again.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "EngineContainer.h"
#include "EngineDirectory.h"
#include "UnixSocketHttp.h"

namespace agent::engines {

struct DockerApiClientOptions {
  collectors::engines::Engine engine = collectors::engines::Engine::Docker;
  std::string socketPath;
  // Auto: a missing socket is normal (no engine on this host) and logged at info; otherwise
  // a warning.
  bool onlyWhenPresent = true;
  std::chrono::milliseconds firstRetry = std::chrono::seconds(1);
  std::chrono::milliseconds longestRetry = std::chrono::seconds(30);
};

class DockerApiClient {
 public:
  DockerApiClient(DockerApiClientOptions options, std::shared_ptr<collectors::engines::EngineDirectory> directory);
  ~DockerApiClient();  // stops within about a second (UnixSocketHttp::streamLines)
  DockerApiClient(const DockerApiClient&) = delete;
  DockerApiClient& operator=(const DockerApiClient&) = delete;

 private:
  void run(std::stop_token stop);
  // One connection: list, then follow events until the engine ends the stream or fails.
  Result<void> followOnce(std::stop_token stop);
  Result<size_t> relist();
  // The container now; nullopt when the engine no longer has it (404).
  Result<std::optional<collectors::engines::EngineContainer>> inspect(const std::string& id) const;
  // false: the engine failed under us (`failure` says why), the stream is ended.
  bool apply(std::string_view line, Error& failure);
  void connected(size_t containers);
  void failed(const Error& error);

  DockerApiClientOptions options_;
  std::shared_ptr<collectors::engines::EngineDirectory> directory_;
  UnixSocketHttp http_;
  std::string engine_;  // "docker", "podman": for the log
  bool wasConnected_ = false;
  bool failureLogged_ = false;
  std::chrono::steady_clock::time_point downSince_{};
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: stopped and joined before the rest goes
};

}  // namespace agent::engines
