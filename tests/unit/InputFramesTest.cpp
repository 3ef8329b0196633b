// InputFrames.h: a client's input on an upgraded stream, as frames with an end.
#include <gtest/gtest.h>

#include "InputFrames.h"

using agent::InputFrameDecoder;

TEST(InputFrames, PayloadComesOutWhateverThePiecesAndTheEndFrameEndsIt) {
  std::string wire;
  agent::appendInputFrames(wire, "hello ");
  agent::appendInputFrames(wire, std::string(1, '\0') + "world\n");
  wire += agent::inputEndFrame();
  for (size_t piece = 1; piece <= wire.size(); ++piece) {
    InputFrameDecoder decoder;
    std::string out;
    for (size_t at = 0; at < wire.size(); at += piece) {
      auto payload = decoder.feed(std::string_view(wire).substr(at, piece));
      ASSERT_TRUE(payload) << piece;
      out += *payload;
    }
    EXPECT_EQ(out, "hello " + std::string(1, '\0') + "world\n") << piece;
    EXPECT_TRUE(decoder.ended()) << piece;
  }
}

TEST(InputFrames, APayloadOverTheBoundIsCutIntoSeveralFrames) {
  std::string big(agent::kMaxInputFrame * 2 + 5, 'x'), wire;
  agent::appendInputFrames(wire, big);
  EXPECT_EQ(wire.size(), big.size() + 3 * agent::kInputFrameHeaderBytes);
  InputFrameDecoder decoder;
  auto payload = decoder.feed(wire);
  ASSERT_TRUE(payload);
  EXPECT_EQ(*payload, big);
  EXPECT_FALSE(decoder.ended());  // an empty payload makes no frame: only inputEndFrame ends
  agent::appendInputFrames(wire, "");
  EXPECT_EQ(wire.size(), big.size() + 3 * agent::kInputFrameHeaderBytes);
}

TEST(InputFrames, TicksSayNothingAndMayComeAfterTheEnd) {
  std::string wire = agent::inputTickFrame();
  agent::appendInputFrames(wire, "x");
  wire += agent::inputTickFrame() + agent::inputEndFrame() + agent::inputTickFrame();
  InputFrameDecoder decoder;
  auto payload = decoder.feed(wire);
  ASSERT_TRUE(payload);
  EXPECT_EQ(*payload, "x");
  EXPECT_TRUE(decoder.ended());
}

TEST(InputFrames, ALengthOverTheBoundAnUnknownKindOrDataAfterTheEndAreBrokenFrames) {
  for (std::string wire :
       {std::string("\x01\x00\x10\x00\x01", 5), std::string("\x04\x00\x00\x00\x00", 5),
        std::string("\x02\x00\x00\x00\x01", 5), agent::inputEndFrame() + std::string("\x01\x00\x00\x00\x01x", 6)}) {
    InputFrameDecoder decoder;
    auto refused = decoder.feed(wire);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().errnum, EPROTO);
  }
}
