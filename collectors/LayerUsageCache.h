#pragma once
// When each writable layer is measured, and the last measures. Walking a layer costs
// milliseconds per 10,000 files: far too much for every collection cycle of every container,
// so each layer is walked at most once per `every` (cAdvisor's fsHandler does the same,
// every minute), and the cycles read the cached values. Thread-safe: the collection thread
// sets the layers and reads the values, the sampler's thread measures.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "Error.h"
#include "LayerUsage.h"

namespace agent::collectors {

class LayerUsageCache {
 public:
  using Clock = std::chrono::steady_clock;
  // Measures one upper dir. An error that isGone() means the layer went away.
  using Measure = std::function<Result<LayerUsage>(const std::string& upperDir)>;
  // What a failed measure reports (once per layer and kind of error, not every round).
  using Report = std::function<void(const std::string& id, const Error& error)>;

  LayerUsageCache(Clock::duration every, Measure measure, Report report = {});

  // The layers to measure from now on: container id -> upper dir. A new layer (or one whose
  // dir changed) is due at once; a layer no longer listed is forgotten with its value, so its
  // series end with the container. True when a new layer is due (the sampler should wake).
  bool setLayers(const std::map<std::string, std::string>& layers, Clock::time_point now);
  // Measures every layer due at `now`, without holding the lock while walking. A layer whose
  // dir vanished loses its value (its series end); any other failure does too, and is reported.
  void measureDue(Clock::time_point now);
  // When the next layer comes due; Clock::time_point::max() when there is none.
  Clock::time_point nextDue() const;
  // The last measures, by container id; never null.
  LayerUsagesPtr current() const;

 private:
  struct Layer {
    std::string dir;
    Clock::time_point due;
    int lastErrno = 0;  // of the last failure reported, so one failing layer logs once
  };
  Clock::duration every_;
  Measure measure_;
  Report report_;
  mutable std::mutex mutex_;
  std::map<std::string, Layer> layers_;
  LayerUsagesPtr current_;
};

}  // namespace agent::collectors
