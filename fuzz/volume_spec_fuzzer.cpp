// Any bytes as the text of -v and of --tmpfs: no exception, no crash, no sanitizer report;
// every refusal is EINVAL in one line; what is accepted has an absolute, normal target that
// is neither / nor under /proc or /sys, and reads back the same from its own text.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "VolumeSpec.h"

using namespace agent;
using namespace agent::container;

namespace {

void refusedWell(const Error& error) {
  if (error.errnum != EINVAL) std::abort();
  for (char c : error.message()) {
    if (c == '\n' || c == '\r' || c == '\0') std::abort();
  }
}

bool under(const std::string& path, std::string_view dir) {
  return path.rfind(dir, 0) == 0 && (path.size() == dir.size() || path[dir.size()] == '/');
}

void acceptedWell(const VolumeSpec& volume) {
  const std::string& t = volume.target;
  if (t.empty() || t.front() != '/' || t == "/" || under(t, "/proc") || under(t, "/sys")) std::abort();
  if (t.find("/../") != std::string::npos || t.find("//") != std::string::npos || t.find('\0') != std::string::npos)
    std::abort();
  if (volume.kind == VolumeKind::Bind && (volume.source.empty() || volume.source.front() != '/')) std::abort();
  std::string text = volumeOptionText(volume);
  auto again = volume.kind == VolumeKind::Bind ? parseVolumeOption(text) : parseTmpfsOption(text);
  if (!again || *again != volume) std::abort();
  if (!validateVolumes({volume})) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto parse : {&parseVolumeOption, &parseTmpfsOption}) {
    auto parsed = parse(text);
    if (parsed)
      acceptedWell(*parsed);
    else
      refusedWell(parsed.error());
  }
  return 0;
}
