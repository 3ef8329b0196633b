// The test-side text format checker (used by the renderer's fuzzer) finds what Prometheus
// refuses: it is only worth something if it fails on bad text.
#include "TextFormatValidator.h"

#include <gtest/gtest.h>

namespace agent::testing {
namespace {

const std::string kHead = "# HELP m Help.\n# TYPE m gauge\n";

TEST(TextFormatValidator, AcceptsWhatTheFormatAllows) {
  EXPECT_EQ(textFormatProblem(""), "");
  EXPECT_EQ(textFormatProblem(kHead + "m 1\nm{a=\"x\\\\ \\\" \\n\t\r\"} -2.5e+07\nm{b=\"\"} NaN 1700000000000\n"), "");
  EXPECT_EQ(textFormatProblem("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                              "h_sum 0.3\nh_count 2\nother +Inf\n"),
            "");
}

TEST(TextFormatValidator, FindsEachKindOfProblem) {
  struct Case {
    std::string text, says;
  };
  for (const auto& c : std::vector<Case>{
           {kHead + "m 1", "newline"},
           {kHead + "m{a=\"x\xFFy\"} 1\n", "UTF-8"},
           {kHead + "m{a=\"x\",a=\"y\"} 1\n", "duplicate label name"},
           {kHead + "m{a=\"x\\ty\"} 1\n", "invalid escape"},
           {kHead + "m{a.b=\"x\"} 1\n", "bad label name"},
           {kHead + "m{__a=\"x\"} 1\n", "reserved"},
           {kHead + "m{a=x} 1\n", "not quoted"},
           {kHead + "m{a=\"x} 1\n", "unterminated"},
           {kHead + "m{a=\"x\" b=\"y\"} 1\n", "expected , or }"},
           {kHead + "m 1x\n", "bad value"},
           {kHead + "m\n", "no value"},
           {kHead + "m{a=\"x\"} 1\nm{a=\"x\"} 2\n", "twice"},
           {kHead + "m 1\n# HELP n N.\nn 1\nm{a=\"\"} 1\n", "not together"},
           {kHead + "# TYPE m counter\nm 1\n", "second TYPE"},
           {"m 1\n# TYPE m gauge\n", "after the family's samples"},
           {"# TYPE m gauges\n", "unknown type"},
           {"# HELP 1m x\n", "bad metric name"},
           {"# HELP m a\\t\n", "bad escape in HELP"},
           {"# TYPE h histogram\nh_bucket 1\n", "without le"},
           {"m-x 1\n", "bad metric name"},
           {kHead + "m 1 2 3\n", "after the timestamp"},
       }) {
    std::string problem = textFormatProblem(c.text);
    EXPECT_NE(problem.find(c.says), std::string::npos) << "for:\n" << c.text << "\nsaid: " << problem;
  }
}

}  // namespace
}  // namespace agent::testing
