#include "StatsPlan.h"

#include "ControlFileParsers.h"

namespace agent::cgroup {

Result<void> executeStep(const StatsStep& step, Stats& out, std::span<char> buffer) {
  auto text = readFileAt(*step.dir, step.file, buffer);
  if (!text) {
    // ENOENT on one file of a live directory means the kernel lacks it; a vanished
    // directory also fails on the required files, so nothing is lost by tolerating it.
    if (step.optional && text.error().errnum == ENOENT) return {};
    return tl::unexpected(text.error());
  }
  step.parse(*text, out);
  return {};
}

void finishStats(Stats& out) {
  deriveWorkingSet(out.memory);
}

}  // namespace agent::cgroup
