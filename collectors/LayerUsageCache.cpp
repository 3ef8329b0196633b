#include "LayerUsageCache.h"

#include <vector>

namespace agent::collectors {

LayerUsageCache::LayerUsageCache(Clock::duration every, Measure measure, Report report)
    : every_(every),
      measure_(std::move(measure)),
      report_(std::move(report)),
      current_(std::make_shared<const LayerUsages>()) {}

bool LayerUsageCache::setLayers(const std::map<std::string, std::string>& layers, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  bool newDue = false;
  std::vector<std::string> stale;  // values of layers that are gone or now point elsewhere
  for (auto it = layers_.begin(); it != layers_.end();) {
    auto wanted = layers.find(it->first);
    if (wanted == layers.end() || wanted->second != it->second.dir) {
      if (current_->count(it->first)) stale.push_back(it->first);
      it = layers_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [id, dir] : layers) {
    if (layers_.emplace(id, Layer{.dir = dir, .due = now}).second) newDue = true;
  }
  if (!stale.empty()) {
    auto kept = std::make_shared<LayerUsages>(*current_);
    for (const auto& id : stale) kept->erase(id);
    current_ = std::move(kept);
  }
  return newDue;
}

void LayerUsageCache::measureDue(Clock::time_point now) {
  struct Due {
    std::string id, dir;
  };
  std::vector<Due> due;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, layer] : layers_) {
      if (layer.due <= now) due.push_back({id, layer.dir});
    }
  }
  if (due.empty()) return;
  std::vector<std::pair<Due, Result<LayerUsage>>> measured;
  measured.reserve(due.size());
  for (auto& d : due) {
    auto usage = measure_(d.dir);
    measured.emplace_back(std::move(d), std::move(usage));
  }
  std::vector<std::pair<std::string, Error>> reports;
  {
    std::lock_guard lock(mutex_);
    auto next = std::make_shared<LayerUsages>(*current_);
    for (auto& [d, usage] : measured) {
      auto layer = layers_.find(d.id);
      // Forgotten or pointed elsewhere while it was walked: the value is not this layer's.
      if (layer == layers_.end() || layer->second.dir != d.dir) continue;
      layer->second.due = now + every_;
      if (usage) {
        (*next)[d.id] = std::move(*usage);
        layer->second.lastErrno = 0;
        continue;
      }
      next->erase(d.id);
      if (!usage.error().isGone() && layer->second.lastErrno != usage.error().errnum) {
        layer->second.lastErrno = usage.error().errnum;
        reports.emplace_back(d.id, usage.error());
      }
    }
    current_ = std::move(next);
  }
  if (report_) {
    for (const auto& [id, error] : reports) report_(id, error);
  }
}

LayerUsageCache::Clock::time_point LayerUsageCache::nextDue() const {
  std::lock_guard lock(mutex_);
  auto next = Clock::time_point::max();
  for (const auto& [id, layer] : layers_) next = std::min(next, layer.due);
  return next;
}

LayerUsagesPtr LayerUsageCache::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace agent::collectors
