#include "LayerUsageSampler.h"

#include "LayerUsageJoin.h"

namespace agent::collectors {

LayerUsageSampler::LayerUsageSampler(std::chrono::milliseconds every, LayerUsageCache::Report report,
                                     std::string procRoot)
    : measure_(std::move(procRoot)),
      cache_(
          every, [this](const std::string& dir) { return measure_(dir); }, std::move(report)) {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void LayerUsageSampler::update(Snapshot& snapshot) {
  engines::EngineContainersPtr engines = engines_ ? engines_->current() : nullptr;
  if (cache_.setLayers(writableLayersOf(snapshot, engines.get()), LayerUsageCache::Clock::now())) {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
    }
    wake_.notify_one();
  }
  attachLayerUsage(snapshot, *cache_.current());
}

void LayerUsageSampler::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mutex_);
      auto until = cache_.nextDue();
      auto woken = [&] { return woken_ || stop.stop_requested(); };
      if (until == LayerUsageCache::Clock::time_point::max())
        wake_.wait(lock, stop, woken);
      else
        wake_.wait_until(lock, stop, until, woken);
      woken_ = false;
      if (stop.stop_requested()) return;
    }
    cache_.measureDue(LayerUsageCache::Clock::now());
  }
}

}  // namespace agent::collectors
