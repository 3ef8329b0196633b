// CLI11's refusals said as agentctl's other errors: one line, `agentctl: `, what was wrong in
// plain words, and which --help lists the options.
#include "UsageErrorText.h"

#include <gtest/gtest.h>

namespace agent::ctl {
namespace {

TEST(UsageErrorText, AnOptionGivenTwiceSaysGiveItOnce) {
  EXPECT_EQ(usageErrorText("--input: At Most 1 required but received 2", "image load"),
            "agentctl: --input was given 2 times; give it once (agentctl image load --help lists the options)");
}

TEST(UsageErrorText, AMissingValueSaysTheOptionNeedsOne) {
  EXPECT_EQ(usageErrorText("--cpu: 1 required TEXT missing", "limit"),
            "agentctl: --cpu needs a value (agentctl limit --help lists the options)");
  EXPECT_EQ(usageErrorText("Expected exactly 1 arguments to --name, got 0", "run"),
            "agentctl: --name needs a value (agentctl run --help lists the options)");
}

TEST(UsageErrorText, ExtraWordsAreNamed) {
  EXPECT_EQ(usageErrorText("The following arguments were not expected: a b\n", "ps"),
            "agentctl: unexpected argument: a b (agentctl ps --help lists the options)");
}

TEST(UsageErrorText, AValueOutsideTheChoicesOrNotANumberIsSaidPlainly) {
  EXPECT_EQ(usageErrorText("--output: x not in {table,json}", ""),
            "agentctl: --output takes one of table,json, not \"x\" (agentctl --help lists the options)");
  EXPECT_EQ(usageErrorText("Could not convert: --tail = abc", "logs"),
            "agentctl: --tail takes a number, not \"abc\" (agentctl logs --help lists the options)");
}

TEST(UsageErrorText, AnUnknownWordingIsKeptAndTheTopHelpNamedWithoutACommand) {
  EXPECT_EQ(usageErrorText("something new", ""), "agentctl: something new (agentctl --help lists the options)");
}

}  // namespace
}  // namespace agent::ctl
