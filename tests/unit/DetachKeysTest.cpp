// agentctl's detach keys (DetachKeys.h): Ctrl-P Ctrl-Q detaches, in one read or across two;
// a Ctrl-P of its own goes through with the key after it.
#include "DetachKeys.h"

#include <gtest/gtest.h>

using agent::ctl::DetachKeys;

TEST(DetachKeys, CtrlPCtrlQDetachesAndIsNotSent) {
  DetachKeys keys;
  bool detach = false;
  EXPECT_EQ(keys.filter("ls\r\x10\x11", detach), "ls\r");
  EXPECT_TRUE(detach);
}

TEST(DetachKeys, TheSequenceMaySpanTwoReads) {
  DetachKeys keys;
  bool detach = false;
  EXPECT_EQ(keys.filter("a\x10", detach), "a");
  EXPECT_FALSE(detach);
  EXPECT_EQ(keys.filter("\x11", detach), "");
  EXPECT_TRUE(detach);
}

TEST(DetachKeys, ALoneCtrlPGoesWithTheNextKey) {
  DetachKeys keys;
  bool detach = false;
  EXPECT_EQ(keys.filter("\x10", detach), "");
  EXPECT_EQ(keys.filter("x", detach), "\x10x");
  EXPECT_EQ(keys.filter("\x10\x10\x11", detach), "\x10");
  EXPECT_TRUE(detach);
  DetachKeys other;
  detach = false;
  EXPECT_EQ(other.filter("\x03\x1a\x11", detach), "\x03\x1a\x11");  // Ctrl-C, Ctrl-Z, a lone Ctrl-Q
  EXPECT_FALSE(detach);
}
