#include "ImageReference.h"

#include "MessageText.h"

#include <optional>
#include <string>

namespace agent::image {

namespace {

bool repositoryChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/' || c == ':';
}

bool tagChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

bool alphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// distribution/reference's grammar: a path component is [a-z0-9]+ runs joined by one
// separator each, `.`, `_`, `__` or any number of `-`. The first of several components may
// be a registry instead (it has a `.` or a `:port`, or is localhost), and is not checked
// here beyond the characters. So `..`, `.hidden` and `a..b` are refused, as docker refuses them.
bool componentIsValid(std::string_view component) {
  size_t i = 0;
  while (true) {
    size_t run = i;
    while (i < component.size() && alphanumeric(component[i])) ++i;
    if (i == run) return false;  // empty, or a separator first or twice
    if (i == component.size()) return true;
    size_t separator = i;
    while (i < component.size() && !alphanumeric(component[i])) ++i;
    std::string_view text = component.substr(separator, i - separator);
    bool dashes = text.find_first_not_of('-') == std::string_view::npos;
    if (!(text == "." || text == "_" || text == "__" || dashes)) return false;
  }
}

// A registry: host name labels ([a-z0-9] at both ends, dashes inside) joined by dots, then
// an optional :port of digits. (Upper case, which the grammar allows here, is refused
// before: this agent's names are lower case.)
bool registryIsValid(std::string_view registry) {
  size_t colon = registry.find(':');
  std::string_view host = registry.substr(0, colon);
  if (colon != std::string_view::npos) {
    std::string_view port = registry.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
  }
  size_t start = 0;
  while (start <= host.size()) {
    size_t end = host.find('.', start);
    if (end == std::string_view::npos) end = host.size();
    std::string_view label = host.substr(start, end - start);
    if (label.empty() || !alphanumeric(label.front()) || !alphanumeric(label.back())) return false;
    if (label.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string_view::npos) return false;
    start = end + 1;
  }
  return true;
}

std::optional<std::string> badPathComponent(std::string_view repository) {
  size_t start = 0;
  size_t first = repository.find('/');
  if (first != std::string_view::npos) {
    std::string_view head = repository.substr(0, first);
    bool registry = head.find_first_of(".:") != std::string_view::npos || head == "localhost";
    if (registry) {
      if (!registryIsValid(head)) return std::string(head);
      start = first + 1;
    }
  }
  while (start <= repository.size()) {
    size_t end = repository.find('/', start);
    if (end == std::string_view::npos) end = repository.size();
    std::string_view component = repository.substr(start, end - start);
    if (!componentIsValid(component)) return std::string(component);
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

Result<ImageReference> parseImageReference(std::string_view text) {
  auto refuse = [&](const std::string& why) {
    return userError("the image reference " + quotedForMessage(std::string(text)) + " " + why +
                     "; write it as NAME[:TAG], e.g. busybox:1.36 or registry:5000/team/app:v2");
  };
  if (text.empty()) return refuse("is empty");
  if (text.find('@') != std::string_view::npos) return refuse("has a digest, which this agent does not take yet");
  // The tag follows the last ':' that is after the last '/' (a registry's port is not a tag).
  size_t slash = text.rfind('/');
  size_t colon = text.rfind(':');
  ImageReference reference;
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    reference.repository = std::string(text.substr(0, colon));
    reference.tag = std::string(text.substr(colon + 1));
    if (reference.tag.empty()) return refuse("ends in ':' without a tag");
  } else {
    reference.repository = std::string(text);
    reference.tag = "latest";
  }
  if (reference.repository.empty()) return refuse("has no name before the tag");
  for (char c : reference.repository) {
    if (!repositoryChar(c)) return refuse("has a character a repository name may not have (lower case, digits, ._-/)");
  }
  if (reference.repository.front() == '/' || reference.repository.back() == '/' ||
      reference.repository.find("//") != std::string::npos)
    return refuse("has an empty path component");
  if (auto bad = badPathComponent(reference.repository))
    return refuse("has a path component " + quotedForMessage(*bad) +
                  " that is not lower-case letters and digits joined by ., _, __ or dashes");
  if (reference.tag.size() > 128) return refuse("has a tag longer than 128 characters");
  for (char c : reference.tag) {
    if (!tagChar(c)) return refuse("has a character a tag may not have (letters, digits, _.-)");
  }
  if (reference.tag.front() == '.' || reference.tag.front() == '-') return refuse("has a tag that starts with . or -");
  // Docker Hub's names in their familiar form, as docker prints and stores them
  // (distribution/reference's FamiliarName): skopeo and Docker >= 25 write
  // "docker.io/library/app:v1" where `docker load` says "Loaded image: app:v1".
  for (std::string_view hub : {"docker.io/", "index.docker.io/"}) {
    if (reference.repository.starts_with(hub)) {
      reference.repository.erase(0, hub.size());
      if (reference.repository.starts_with("library/") && reference.repository.find('/', 8) == std::string::npos)
        reference.repository.erase(0, 8);
      break;
    }
  }
  return reference;
}

std::string normalizedReference(std::string_view text) {
  auto reference = parseImageReference(text);
  return reference ? reference->text() : std::string(text);
}

}  // namespace agent::image
