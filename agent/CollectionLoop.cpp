#include "CollectionLoop.h"

#include <malloc.h>

#include <algorithm>

namespace agent {

namespace {

std::shared_ptr<const collectors::AgentContainers> agentContainers(const container::ContainerRuntime& runtime) {
  auto out = std::make_shared<collectors::AgentContainers>();
  auto list = runtime.list();
  if (!list) return out;
  for (const auto& c : *list) {
    (*out)[c.config.spec.id] =
        collectors::AgentContainerInfo{.name = c.config.name,
                                       .image = c.config.image,
                                       .labels = c.config.labels,
                                       .state = std::string(container::stateName(c.status.state)),
                                       .createdAtUnixMs = c.config.createdAtUnixMs,
                                       .startedAtUnixMs = c.status.pid ? c.status.pid->startedAtUnixMs : 0,
                                       .cgroupPath = c.config.cgroupPath,
                                       .upperDir = c.config.spec.layerDir + "/upper"};
  }
  return out;
}

}  // namespace

CollectionLoop::CollectionLoop(collectors::Collector collector, const container::ContainerRuntime& runtime,
                               std::shared_ptr<LatestSnapshot> sink, std::chrono::milliseconds interval,
                               std::shared_ptr<const collectors::engines::EngineDirectory> engines,
                               std::shared_ptr<collectors::LayerUsageSampler> layers)
    : collector_(std::move(collector)),
      runtime_(runtime),
      sink_(std::move(sink)),
      interval_(interval),
      engines_(std::move(engines)),
      layers_(std::move(layers)),
      bounds_{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1},
      counts_(bounds_.size() + 1, 0) {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void CollectionLoop::collectNow() {
  std::lock_guard lock(mutex_);
  // Before the containers: a standby that is no longer in this set is in their list then.
  auto standby = runtime_.standbyCgroups();
  // Reading every container's records each second would be the loop's biggest cost with
  // many containers: only when something changed.
  if (uint64_t now = runtime_.generation(); now != knownAt_) {
    known_ = agentContainers(runtime_);
    knownAt_ = now;
  }
  auto snapshot = collector_.collect(*known_, standby, engines_ ? engines_->current() : nullptr);
  snapshot->agentContainers = known_;
  if (layers_) layers_->update(*snapshot);  // the writable layers' last sizes (measured on its own thread)
  size_t bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), snapshot->collectionSeconds) -
                                      bounds_.begin());
  ++counts_[bucket];
  sum_ += snapshot->collectionSeconds;
  // Still ours alone until published: the histogram so far goes into it.
  snapshot->durationBounds = bounds_;
  snapshot->durationCounts = counts_;
  snapshot->durationSum = sum_;
  // Published before the observers hear of it: a pass they ask for (ContainerArrivals.h) reads
  // the latest snapshot, which must already hold the container that arrived (the pass read the
  // one before, found no container matching the policy, and the next came an hour later).
  auto observed = snapshot;
  sink_->publish(std::move(snapshot));
  if (observeEngines_) observeEngines_(*observed);
  // Give back what the previous snapshot and scrapes freed: agentd idles between cycles.
  ::malloc_trim(0);
}

void CollectionLoop::observeEngines(std::function<void(const collectors::Snapshot&)> observe) {
  std::lock_guard lock(mutex_);
  observeEngines_ = std::move(observe);
}

void CollectionLoop::run(std::stop_token stop) {
  auto next = std::chrono::steady_clock::now();
  while (true) {
    {
      std::unique_lock lock(mutex_);
      next += interval_;
      // A cycle that ran long does not make the next ones pile up.
      next = std::max(next, std::chrono::steady_clock::now());
      if (wake_.wait_until(lock, stop, next, [&stop] { return stop.stop_requested(); })) return;
    }
    collectNow();
  }
}

}  // namespace agent
