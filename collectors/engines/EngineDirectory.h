#pragma once
// The engines' containers as last heard, shared between the engine clients (writers, each
// on its own thread) and the collector and API (readers). Readers take an immutable map that
// is swapped whole on every change (copy on write), so a collection cycle never waits for an
// engine and never sees half an update. Changes are rare (create, rename, destroy), reads are
// every cycle: copying on write costs nothing that matters.
#include <cstdint>
#include <mutex>
#include <set>
#include <vector>

#include "EngineContainer.h"

namespace agent::collectors::engines {

class EngineDirectory {
 public:
  EngineDirectory();
  // The current map; never null.
  EngineContainersPtr current() const;
  // Bumped by every change: a reader compares it to skip work when nothing changed.
  uint64_t generation() const;
  // Whether `engine` has been listed in full at least once (replaceAll): until then a missing
  // id says nothing, after it a missing id is a container the engine removed. An engine whose
  // client lost its connection stays listed: its last listing stands until the next one.
  bool listed(Engine engine) const;

  // After a full listing of `engine`: its containers become exactly `containers` (others'
  // are kept). Every entry's engine must be `engine`.
  void replaceAll(Engine engine, const std::vector<EngineContainer>& containers);
  // One container created, renamed, relabelled (an event, or an inspect).
  void upsert(const EngineContainer& container);
  // One container destroyed.
  void erase(const std::string& id);

 private:
  mutable std::mutex mutex_;
  EngineContainersPtr current_;
  uint64_t generation_ = 0;
  std::set<Engine> listed_;
};

}  // namespace agent::collectors::engines
