// Any bytes as a client's framed input on an upgraded stream (InputFrames.h; agentd decodes
// them from the network): no crash, no sanitizer report; the same verdict, payload and end
// whether the input comes whole or in two pieces cut where its first byte says; never more
// payload than input; and what appendInputFrames makes of the payload decodes back to it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "InputFrames.h"

using agent::InputFrameDecoder;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t cut = std::min<size_t>(data[0], input.size());
  InputFrameDecoder whole;
  auto wholeOut = whole.feed(input);
  InputFrameDecoder parts;
  auto first = parts.feed(input.substr(0, cut));
  auto second = first ? parts.feed(input.substr(cut)) : first;
  if (wholeOut.has_value() != second.has_value()) std::abort();
  if (!wholeOut) return 0;
  if (*wholeOut != *first + *second || whole.ended() != parts.ended()) std::abort();
  if (wholeOut->size() > input.size()) std::abort();
  std::string again;
  agent::appendInputFrames(again, *wholeOut);
  again += agent::inputEndFrame();
  InputFrameDecoder round;
  auto back = round.feed(again);
  if (!back || *back != *wholeOut || !round.ended()) std::abort();
  return 0;
}
