// Any bytes as a policy file: no crash, no sanitizer report; a set that loads has only
// valid names and resolves for a container without trouble; one that does not says where.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "Desired.h"
#include "PolicyLoader.h"

using namespace agent::policies;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = loadPolicies({{"fuzz.yaml", text}}, 8);
  if (loaded.ok()) {
    for (const auto& p : loaded.set.policies)
      if (p.name.empty()) std::abort();
    (void)resolve(loaded.set, {"web-1", {{"tier", "web"}}, "/docker/abc", true}, std::nullopt);
  } else {
    for (const auto& e : loaded.errors)
      if (e.rfind("fuzz.yaml:", 0) != 0) std::abort();  // every error names where
  }
  return 0;
}
