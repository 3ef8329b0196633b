#include "ApiToken.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "FileAt.h"
#include "RandomHex.h"
#include "TextParse.h"
#include "UniqueFd.h"

namespace agent {

Result<std::string> ensureApiToken(const std::string& path) {
  if (auto existing = readWholeFile(path)) {
    std::string token(text::trim(*existing));
    if (!token.empty()) return token;
  }
  std::string token = randomHex(32);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return systemError("create token file", path);
  ::fchmod(fd.get(), 0600);
  std::string line = token + "\n";
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    return systemError("write token file", path);
  }
  return token;
}

std::optional<std::string_view> bearerToken(std::string_view header) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  auto skipBlanks = [&](std::string_view text) {
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return text;
  };
  header = skipBlanks(header);
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() || !blank(header[kScheme.size()])) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  }
  std::string_view token = skipBlanks(header.substr(kScheme.size()));
  if (token.empty() || std::any_of(token.begin(), token.end(), blank)) return std::nullopt;
  return token;
}

bool tokensEqual(const std::string& a, const std::string& b) {
  // Tokens have a fixed length, so only the content needs a constant-time comparison.
  if (a.size() != b.size() || b.empty()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace agent
