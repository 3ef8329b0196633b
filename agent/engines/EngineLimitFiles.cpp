#include "EngineLimitFiles.h"

namespace agent::engines {

EngineLimitFiles::EngineLimitFiles(std::unique_ptr<policies::LimitFiles> files,
                                   std::shared_ptr<EngineLimitClient> engine, std::string id)
    : files_(std::move(files)), engine_(std::move(engine)), id_(std::move(id)) {}

Result<void> EngineLimitFiles::applyLimits(const cgroup::Limits& limits) const {
  if (limits.cpuShares || limits.memoryHigh || limits.swapMax) {
    return logicError("set cpu shares, memory.high or swap through the engine (only cpu, memory and pids go)", id_);
  }
  policies::LimitSet desired{limits.cpu, limits.memoryMax, limits.pidsMax};
  if (desired.empty()) return {};
  return engine_->update(id_, desired, files_->pageSize());
}

}  // namespace agent::engines
