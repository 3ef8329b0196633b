#include "Names.h"

#include "RandomHex.h"
#include "RunRequestValidation.h"

namespace agent::container {

Result<void> validateName(std::string_view kind, std::string_view name) {
  auto refuse = [&](const std::string& why) {
    return userError("the " + std::string(kind) + " name " + quotedForMessage(name.substr(0, 140)) +
                         " is invalid: " + why + "; give a name of letters, digits, '_', '.' and '-'",
                     EINVAL);
  };
  if (name.empty()) return refuse("it is empty");
  if (name.size() > kMaxNameLength) return refuse("it is longer than 128 characters");
  if (name.find('\0') != std::string_view::npos) return refuse("it contains a NUL byte");
  if (name.find('/') != std::string_view::npos) return refuse("it contains '/'");
  if (name == "." || name == ".." || name.find("..") != std::string_view::npos) return refuse("it contains '..'");
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front())) return refuse("it must start with a letter or digit");
  for (char c : name) {
    if (!alnum(c) && c != '_' && c != '.' && c != '-') return refuse("it has a character other than those");
  }
  return {};
}

std::string newContainerId() {
  return randomHex(16);
}

}  // namespace agent::container
