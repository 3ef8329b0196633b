#include "TextFormatValidator.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <vector>

namespace agent::testing {

namespace {

// Unicode's well-formed UTF-8 (table 3-7), written apart from the production code's on purpose.
bool validUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = [&](size_t k) { return k < s.size() ? static_cast<uint8_t>(s[k]) : uint8_t{0}; };
    uint8_t c = b(i);
    size_t n;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c <= 0x7F) {
      n = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      uint8_t low = k == 1 ? lo : 0x80, high = k == 1 ? hi : 0xBF;
      if (b(i + k) < low || b(i + k) > high) return false;
    }
    i += n;
  }
  return true;
}

bool letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}

bool metricName(std::string_view s) {
  if (s.empty() || !(letter(s[0]) || s[0] == ':')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return letter(c) || digit(c) || c == ':'; });
}

bool labelName(std::string_view s) {
  if (s.empty() || !letter(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return letter(c) || digit(c); });
}

// A float as Go's ParseFloat reads it, limited to what a renderer should write.
bool sampleValue(std::string_view s) {
  if (s == "NaN" || s == "+Inf" || s == "-Inf") return true;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && digit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && digit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exponent = 0;
    while (i < s.size() && digit(s[i])) ++i, ++exponent;
    if (exponent == 0) return false;
  }
  return i == s.size();
}

bool timestamp(std::string_view s) {
  size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  return i < s.size() && std::all_of(s.begin() + static_cast<long>(i), s.end(), digit);
}

struct Family {
  bool help = false;
  std::string type;  // "" until a TYPE line
  bool samples = false;
  bool done = false;  // another family's lines came after its own
};

class Reader {
 public:
  std::string check(std::string_view text) {
    if (text.empty()) return "";
    if (text.back() != '\n') return "the text does not end with a newline";
    size_t number = 0;
    while (!text.empty()) {
      size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text.remove_prefix(end + 1);
      ++number;
      std::string problem = checkLine(line);
      if (!problem.empty()) return "line " + std::to_string(number) + ": " + problem + " (" + std::string(line) + ")";
    }
    return "";
  }

 private:
  std::string checkLine(std::string_view line) {
    if (!validUtf8(line)) return "invalid UTF-8";
    if (line.empty()) return "";
    if (line[0] == '#') return comment(line);
    return sample(line);
  }

  std::string enter(const std::string& name) {
    if (name == current_) return "";
    if (!current_.empty()) families_[current_].done = true;
    if (families_[name].done) return "the lines of " + name + " are not together";
    current_ = name;
    return "";
  }

  std::string comment(std::string_view line) {
    std::string_view rest = line.substr(1);
    if (rest.substr(0, 1) != " ") return "";  // a plain comment
    rest.remove_prefix(1);
    bool help = rest.substr(0, 5) == "HELP ", type = rest.substr(0, 5) == "TYPE ";
    if (!help && !type) return "";
    rest.remove_prefix(5);
    size_t space = rest.find(' ');
    std::string name(rest.substr(0, space));
    std::string_view tail = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    if (!metricName(name)) return "bad metric name in HELP/TYPE";
    if (auto p = enter(name); !p.empty()) return p;
    Family& f = families_[name];
    if (f.samples) return "HELP or TYPE after the family's samples";
    if (help) {
      if (f.help) return "a second HELP";
      f.help = true;
      for (size_t i = 0; i < tail.size(); ++i) {
        if (tail[i] != '\\') continue;
        if (i + 1 >= tail.size() || (tail[i + 1] != '\\' && tail[i + 1] != 'n')) return "bad escape in HELP";
        ++i;
      }
      return "";
    }
    if (!f.type.empty()) return "a second TYPE";
    static const std::set<std::string_view> kTypes = {"counter", "gauge", "histogram", "summary", "untyped"};
    if (!kTypes.count(tail)) return "unknown type";
    f.type = std::string(tail);
    return "";
  }

  // The family a sample belongs to: histograms and summaries own their _bucket, _sum, _count.
  std::string familyOf(const std::string& name) {
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      std::string base = name.substr(0, name.size() - suffix.size());
      auto found = families_.find(base);
      if (found != families_.end() && (found->second.type == "histogram" || found->second.type == "summary"))
        return base;
    }
    return name;
  }

  std::string sample(std::string_view line) {
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ' && line[i] != '\t') ++i;
    std::string name(line.substr(0, i));
    if (!metricName(name)) return "bad metric name";
    std::map<std::string, std::string> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (true) {
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        size_t start = i;
        while (i < line.size() && line[i] != '=') ++i;
        std::string label(line.substr(start, i - start));
        if (!labelName(label)) return "bad label name `" + label + "`";
        if (label.rfind("__", 0) == 0) return "reserved label name `" + label + "`";
        if (labels.count(label)) return "duplicate label name `" + label + "`";
        if (i + 1 >= line.size() || line[i + 1] != '"') return "label value not quoted";
        i += 2;
        std::string value;
        while (true) {
          if (i >= line.size()) return "unterminated label value";
          char c = line[i++];
          if (c == '"') break;
          if (c == '\\') {
            if (i >= line.size()) return "unterminated escape";
            char e = line[i++];
            if (e == '\\' || e == '"')
              value += e;
            else if (e == 'n')
              value += '\n';
            else
              return "invalid escape \\" + std::string(1, e);
          } else {
            value += c;
          }
        }
        if (!validUtf8(value)) return "label value is not valid UTF-8";
        labels.emplace(std::move(label), std::move(value));
        if (i < line.size() && line[i] == ',') {
          ++i;
          continue;
        }
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        return "expected , or } after a label";
      }
    }
    if (i >= line.size() || (line[i] != ' ' && line[i] != '\t')) return "no value";
    std::string_view rest = line.substr(i);
    auto field = [&]() {
      size_t s = rest.find_first_not_of(" \t");
      if (s == std::string_view::npos) return std::string_view();
      rest.remove_prefix(s);
      size_t e = rest.find_first_of(" \t");
      std::string_view f = rest.substr(0, e);
      rest.remove_prefix(e == std::string_view::npos ? rest.size() : e);
      return f;
    };
    std::string_view value = field(), stamp = field();
    if (!sampleValue(value)) return "bad value `" + std::string(value) + "`";
    if (!stamp.empty() && !timestamp(stamp)) return "bad timestamp";
    if (!field().empty()) return "text after the timestamp";

    std::string family = familyOf(name);
    if (auto p = enter(family); !p.empty()) return p;
    families_[family].samples = true;
    if (families_[family].type == "histogram" && name == family + "_bucket" && !labels.count("le"))
      return "histogram bucket without le";
    std::string key = name;
    for (const auto& [k, v] : labels) key += '\0' + k + '\0' + v;
    if (!series_.insert(key).second) return "the same series twice";
    return "";
  }

  std::map<std::string, Family> families_;
  std::string current_;
  std::set<std::string> series_;
};

}  // namespace

std::string textFormatProblem(std::string_view text) {
  return Reader().check(text);
}

}  // namespace agent::testing
