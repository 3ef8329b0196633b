// The API's Authorization header: the Bearer scheme in any case (RFC 7235), blanks around.
#include <gtest/gtest.h>

#include "ApiToken.h"

using namespace agent;

TEST(ApiToken, TheSchemeIsCaseInsensitiveAndBlanksAreAllowed) {
  for (const char* header : {"Bearer abc123", "bearer abc123", "BEARER abc123", "BeArEr abc123", "  Bearer abc123  ",
                             "Bearer \t abc123", "\tbearer abc123\t"}) {
    auto token = bearerToken(header);
    ASSERT_TRUE(token) << "[" << header << "]";
    EXPECT_EQ(*token, "abc123") << "[" << header << "]";
  }
}

TEST(ApiToken, OtherSchemesAndMalformedHeadersGiveNoToken) {
  for (const char* header : {"", "Bearer", "Bearer ", "Bearerabc123", "Basic abc123", "Bearer abc 123", "Token abc",
                             "Bear abc123", "Bearer\nabc"}) {
    EXPECT_FALSE(bearerToken(header)) << "[" << header << "]";
  }
}

TEST(ApiToken, TokensCompareWholly) {
  EXPECT_TRUE(tokensEqual("abc", "abc"));
  EXPECT_FALSE(tokensEqual("abd", "abc"));
  EXPECT_FALSE(tokensEqual("ab", "abc"));
  EXPECT_FALSE(tokensEqual("", ""));
}
