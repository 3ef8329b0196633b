// Label values as the text format takes them: valid UTF-8 whatever the bytes (a cgroup may be
// named with any byte but '/' and NUL), escaped, the same on every scrape, and distinct for
// distinct inputs; label names as Prometheus accepts them.
#include "LabelText.h"

#include <gtest/gtest.h>

#include <set>

namespace agent::collectors {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

std::string escaped(std::string_view value) {
  std::string out;
  appendLabelValue(out, value);
  return out;
}

// The documented rule undone (test code): U+FFFD U+FFFD is a U+FFFD, U+FFFD and two hex
// digits a byte. Getting every input back shows that no two inputs give one label value.
std::string undo(std::string_view mapped) {
  std::string out;
  for (size_t i = 0; i < mapped.size();) {
    if (mapped.substr(i, 3) != kFffd) {
      out += mapped[i++];
      continue;
    }
    if (mapped.substr(i + 3, 3) == kFffd) {
      out += kFffd;
      i += 6;
      continue;
    }
    out += static_cast<char>(std::stoi(std::string(mapped.substr(i + 3, 2)), nullptr, 16));
    i += 5;
  }
  return out;
}

TEST(LabelText, PlainTextIsUnchangedAndTheThreeEscapesAreWritten) {
  EXPECT_EQ(escaped("/system.slice/docker-3f4e.scope"), "/system.slice/docker-3f4e.scope");
  // systemd's own escapes are plain text and stay as they are (cAdvisor shows the same id).
  EXPECT_EQ(escaped("/system.slice/system-systemd\\x2dcryptsetup.slice"),
            "/system.slice/system-systemd\\\\x2dcryptsetup.slice");
  EXPECT_EQ(escaped("say \"hi\""), "say \\\"hi\\\"");
  EXPECT_EQ(escaped("a\nb"), "a\\nb");
  // Valid in a label value as they are (promtool and Prometheus take them).
  EXPECT_EQ(escaped("tab\there"), "tab\there");
  EXPECT_EQ(escaped("cr\rhere"), "cr\rhere");
  EXPECT_EQ(escaped("with spaces"), "with spaces");
  EXPECT_EQ(escaped(""), "");
}

TEST(LabelText, ValidUtf8StaysAsItIs) {
  for (std::string s : {"emoji \xF0\x9F\x98\x80", "caf\xC3\xA9", "\xE2\x82\xAC", "\xED\x9F\xBF", "\xEE\x80\x80",
                        "\xF4\x8F\xBF\xBF", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xF0\x90\x80\x80"}) {
    EXPECT_EQ(escaped(s), s) << s;
    EXPECT_EQ(utf8LabelValue(s), s) << s;
  }
}

TEST(LabelText, EachInvalidByteBecomesReplacementCharacterAndItsHexDigits) {
  EXPECT_EQ(escaped("bad\xFF\xFE"), "bad" + kFffd + "FF" + kFffd + "FE");
  // A sequence cut short, a stray continuation byte, an overlong form, a surrogate, a code
  // point above U+10FFFF, bytes that start nothing: byte by byte.
  EXPECT_EQ(escaped("\xE2\x82"), kFffd + "E2" + kFffd + "82");
  EXPECT_EQ(escaped("\x80x"), kFffd + "80x");
  EXPECT_EQ(escaped("\xC0\xAF"), kFffd + "C0" + kFffd + "AF");
  EXPECT_EQ(escaped("\xED\xA0\x80"), kFffd + "ED" + kFffd + "A0" + kFffd + "80");
  EXPECT_EQ(escaped("\xF4\x90\x80\x80"), kFffd + "F4" + kFffd + "90" + kFffd + "80" + kFffd + "80");
  EXPECT_EQ(escaped("\xF5\xC1"), kFffd + "F5" + kFffd + "C1");
  // A U+FFFD that was there already is doubled: it is not the start of a byte.
  EXPECT_EQ(escaped(kFffd + "FF"), kFffd + kFffd + "FF");
  // Escaping and mapping together; utf8LabelValue maps without escaping.
  EXPECT_EQ(escaped("\"\xFF\\"), "\\\"" + kFffd + "FF\\\\");
  EXPECT_EQ(utf8LabelValue("\"\xFF\\\n"), "\"" + kFffd + "FF\\\n");
}

TEST(LabelText, DistinctInputsGiveDistinctValuesThatReadBack) {
  std::vector<std::string> inputs = {"/a\xFF",
                                     "/a\xFE",
                                     "/a" + kFffd + "FF",
                                     "/a" + kFffd,
                                     "/a" + kFffd + kFffd,
                                     "/a\xFF\xFF",
                                     "/a" + kFffd + "\xFF",
                                     "/a\\xff",
                                     "/a\\xFF",
                                     "/a",
                                     "/a\xEF\xBF",
                                     "/a\xEF\xBF\xBD\xBD",
                                     "/\xF0\x9F\x98\x80",
                                     "/\xF0\x9F\x98"};
  std::set<std::string> seen;
  for (const auto& in : inputs) {
    std::string out = utf8LabelValue(in);
    EXPECT_TRUE(seen.insert(out).second) << "two inputs gave " << out;
    EXPECT_EQ(undo(out), in);
    EXPECT_EQ(utf8LabelValue(in), out) << "the same on every call";
  }
  // Every byte value alone and after a lead byte.
  for (int b = 0; b < 256; ++b) {
    std::string one(1, static_cast<char>(b)), two = std::string("\xE2") + static_cast<char>(b);
    EXPECT_EQ(undo(utf8LabelValue(one)), one) << b;
    EXPECT_EQ(undo(utf8LabelValue(two)), two) << b;
  }
}

TEST(LabelText, LabelNames) {
  EXPECT_TRUE(isValidLabelName("id"));
  EXPECT_TRUE(isValidLabelName("_x9"));
  EXPECT_TRUE(isValidLabelName("container_label_app_kubernetes_io_name"));
  EXPECT_FALSE(isValidLabelName(""));
  EXPECT_FALSE(isValidLabelName("9x"));
  EXPECT_FALSE(isValidLabelName("a.b"));
  EXPECT_FALSE(isValidLabelName("caf\xC3\xA9"));
  EXPECT_EQ(labelName("app.kubernetes.io/name"), "container_label_app_kubernetes_io_name");
  EXPECT_EQ(labelName("app_kubernetes_io_name"), "container_label_app_kubernetes_io_name");
  EXPECT_EQ(labelName("caf\xC3\xA9"), "container_label_caf__");
  EXPECT_TRUE(isValidLabelName(labelName("\xFF\"=,{}")));
}

}  // namespace
}  // namespace agent::collectors
