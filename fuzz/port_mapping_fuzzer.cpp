// Any bytes as a `-p` text (POST /v1/containers' "publish") and as an image's ExposedPorts key:
// no exception, no crash, no sanitizer report; every refusal is one line; what is accepted has
// a container port, and its own text reads back the same.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "PortMapping.h"

using namespace agent;
using namespace agent::net;

namespace {

void refusedWell(const Error& error) {
  for (char c : error.message()) {
    if (c == '\n' || c == '\r' || c == '\0') std::abort();
  }
}

void acceptedWell(const PortRequest& request) {
  if (request.containerPort == 0) std::abort();
  auto again = parsePortRequest(portRequestText(request));
  if (!again || again->hostAddress.s_addr != request.hostAddress.s_addr || again->hostPort != request.hostPort ||
      again->containerPort != request.containerPort || again->protocol != request.protocol)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto parse : {&parsePortRequest, &parseExposedPort}) {
    auto parsed = parse(text);
    if (parsed)
      acceptedWell(*parsed);
    else
      refusedWell(parsed.error());
  }
  return 0;
}
