// Any bytes as agentd's chunked reply (agentctl image load reads progress with it): no crash,
// no sanitizer report, and the same verdict and bytes whether the input comes whole or in
// two pieces cut where its first byte says (as the network may cut it).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ChunkedDecoder.h"

using agent::ctl::ChunkedDecoder;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t cut = data[0] % size;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  cut = std::min(cut, input.size());
  ChunkedDecoder whole;
  std::string wholeOut;
  auto wholeDone = whole.feed(input, wholeOut);
  ChunkedDecoder parts;
  std::string partsOut;
  auto first = parts.feed(input.substr(0, cut), partsOut);
  auto partsDone = first && !*first ? parts.feed(input.substr(cut), partsOut) : first;
  if (wholeDone.has_value() != partsDone.has_value()) std::abort();
  if (wholeDone && (*wholeDone != *partsDone || wholeOut != partsOut)) std::abort();
  if (wholeOut.size() > input.size()) std::abort();
  return 0;
}
