#include "EngineDirectory.h"

namespace agent::collectors::engines {

EngineDirectory::EngineDirectory() : current_(std::make_shared<const EngineContainers>()) {}

EngineContainersPtr EngineDirectory::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

uint64_t EngineDirectory::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

bool EngineDirectory::listed(Engine engine) const {
  std::lock_guard lock(mutex_);
  return listed_.count(engine) > 0;
}

void EngineDirectory::replaceAll(Engine engine, const std::vector<EngineContainer>& containers) {
  std::lock_guard lock(mutex_);
  listed_.insert(engine);
  auto next = std::make_shared<EngineContainers>();
  for (const auto& [id, c] : *current_) {
    if (c.engine != engine) next->emplace(id, c);
  }
  for (const auto& c : containers) (*next)[c.id] = c;
  current_ = std::move(next);
  ++generation_;
}

void EngineDirectory::upsert(const EngineContainer& container) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<EngineContainers>(*current_);
  (*next)[container.id] = container;
  current_ = std::move(next);
  ++generation_;
}

void EngineDirectory::erase(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (!current_->count(id)) return;
  auto next = std::make_shared<EngineContainers>(*current_);
  next->erase(id);
  current_ = std::move(next);
  ++generation_;
}

}  // namespace agent::collectors::engines
