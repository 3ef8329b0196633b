// Any bytes as the body of POST /v1/containers: no exception, no crash, no sanitizer report;
// every refusal is EINVAL with a one-line message (values are shown escaped), and a request
// the rules accept has no NUL where the kernel would cut a string.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "CreateRequest.h"
#include "RunRequestValidation.h"

using namespace agent;

namespace {

void refusedWell(const Error& error) {
  if (error.errnum != EINVAL) std::abort();
  for (char c : error.message()) {
    if (c == '\n' || c == '\r' || c == '\0') std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = parseCreateRequest(body, 8);
  if (!parsed) {
    refusedWell(parsed.error());
    return 0;
  }
  auto valid = container::validateRunRequest(parsed->run);
  if (!valid) {
    refusedWell(valid.error());
    return 0;
  }
  const auto& run = parsed->run;
  for (const auto& text : run.env)
    if (text.find('\0') != std::string::npos || text.find('=') == std::string::npos || text.front() == '=')
      std::abort();
  for (const auto& text : run.args)
    if (text.find('\0') != std::string::npos) std::abort();
  if (run.hostname.size() > 63 || run.hostname.find_first_of("\n\0 _", 0, 4) != std::string::npos) std::abort();
  return 0;
}
