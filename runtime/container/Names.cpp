#include "Names.h"

#include "RandomHex.h"
#include "RunRequestValidation.h"

namespace agent::container {

Result<void> validateName(std::string_view kind, std::string_view name) {
  auto refuse = [&](const std::string& why) {
    return logicError("use " + std::string(kind) + " name (" + why + ")", escapedForMessage(name.substr(0, 140)),
                      EINVAL);
  };
  if (name.empty()) return refuse("empty");
  if (name.size() > kMaxNameLength) return refuse("longer than 128 characters");
  if (name.find('\0') != std::string_view::npos) return refuse("contains a NUL byte");
  if (name.find('/') != std::string_view::npos) return refuse("contains '/'");
  if (name == "." || name == ".." || name.find("..") != std::string_view::npos) return refuse("contains '..'");
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front())) return refuse("must start with a letter or digit");
  for (char c : name) {
    if (!alnum(c) && c != '_' && c != '.' && c != '-') return refuse("only letters, digits, '_', '.' and '-'");
  }
  return {};
}

std::string newContainerId() {
  return randomHex(16);
}

}  // namespace agent::container
