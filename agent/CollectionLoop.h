#pragma once
// The collector's thread: every `collect_interval` a new Snapshot of every cgroup, published
// for /metrics (and later the API and the reconciler). The agent's own containers lend their
// names, images, labels and states.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>

#include "Collector.h"
#include "ContainerRuntime.h"
#include "EngineDirectory.h"
#include "LayerUsageSampler.h"
#include "MetricsServer.h"

namespace agent {

class CollectionLoop {
 public:
  CollectionLoop(collectors::Collector collector, const container::ContainerRuntime& runtime,
                 std::shared_ptr<LatestSnapshot> sink, std::chrono::milliseconds interval,
                 std::shared_ptr<const collectors::engines::EngineDirectory> engines = nullptr,
                 std::shared_ptr<collectors::LayerUsageSampler> layers = nullptr);
  ~CollectionLoop() = default;  // stops and joins (thread_)
  CollectionLoop(const CollectionLoop&) = delete;
  CollectionLoop& operator=(const CollectionLoop&) = delete;

  // Collects once now, on the caller's thread (at start, so the first scrape has data).
  void collectNow();

  // Every new snapshot is shown to `observe` (the containerd watcher learns new ids from
  // it, to read each one's bundle once). Before the first collection.
  void observeEngines(std::function<void(const collectors::Snapshot&)> observe);

 private:
  void run(std::stop_token stop);

  collectors::Collector collector_;
  const container::ContainerRuntime& runtime_;
  std::shared_ptr<LatestSnapshot> sink_;
  std::function<void(const collectors::Snapshot&)> observeEngines_;
  std::chrono::milliseconds interval_;
  std::shared_ptr<const collectors::engines::EngineDirectory> engines_;  // other engines' containers; may be null
  std::shared_ptr<collectors::LayerUsageSampler> layers_;                // null: fs usage off
  // The runtime's containers as of `knownAt_`, shared with the snapshots made since.
  std::shared_ptr<const collectors::AgentContainers> known_ = std::make_shared<collectors::AgentContainers>();
  uint64_t knownAt_ = UINT64_MAX;
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
  std::mutex mutex_;  // serializes collections
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: stopped and joined before the rest goes
};

}  // namespace agent
