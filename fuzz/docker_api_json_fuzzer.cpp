// Any bytes as a Docker Engine API answer (a container list, an inspect, an event line): no
// exception, no crash, no sanitizer report; every refusal is EPROTO in one line; what is
// accepted has full 64-hex ids (the key the collector joins cgroups on).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "DockerApiJson.h"

using namespace agent;
using namespace agent::collectors::engines;

namespace {

void refusedWell(const Error& error) {
  if (error.errnum != EPROTO) std::abort();
  for (char c : error.message()) {
    if (c == '\n' || c == '\r' || c == '\0') std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto ids = parseContainerIds(text)) {
    for (const auto& id : *ids)
      if (!isFullContainerId(id)) std::abort();
  } else {
    refusedWell(ids.error());
  }
  if (auto c = parseContainerInspect(text, Engine::Docker)) {
    if (!isFullContainerId(c->id) || !c->limitsByApi || c->engine != Engine::Docker) std::abort();
  } else {
    refusedWell(c.error());
  }
  if (auto event = parseEvent(text); !event) refusedWell(event.error());
  return 0;
}
