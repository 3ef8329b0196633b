#pragma once
// The writable layers' sizes, measured on a thread of their own (LayerUsageCache decides
// when) so that walking a layer never lengthens a collection cycle. The collection thread
// hands it each snapshot: the containers there with a known layer are the ones measured, and
// their last measures go into their samples.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include "EngineDirectory.h"
#include "LayerMeasure.h"
#include "LayerUsageCache.h"
#include "Snapshot.h"

namespace agent::collectors {

class LayerUsageSampler {
 public:
  // `report` hears of a layer that cannot be measured (once per layer and error).
  LayerUsageSampler(std::chrono::milliseconds every, LayerUsageCache::Report report = {},
                    std::string procRoot = "/proc");
  ~LayerUsageSampler() = default;  // stops and joins (thread_)
  LayerUsageSampler(const LayerUsageSampler&) = delete;
  LayerUsageSampler& operator=(const LayerUsageSampler&) = delete;

  // The engines' containers (their upper dirs) come from here; null: agent containers only.
  // Set before the first update.
  void readEnginesFrom(const engines::EngineDirectory* engines) { engines_ = engines; }
  // Called by the collection thread with a snapshot not yet published.
  void update(Snapshot& snapshot);

 private:
  void run(std::stop_token stop);

  const engines::EngineDirectory* engines_ = nullptr;
  LayerMeasure measure_;  // the sampler thread's only
  LayerUsageCache cache_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  bool woken_ = false;
  std::jthread thread_;  // last: stopped and joined before the rest goes
};

}  // namespace agent::collectors
