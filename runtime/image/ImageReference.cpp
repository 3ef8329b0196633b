#include "ImageReference.h"

#include "MessageText.h"

namespace agent::image {

namespace {

bool repositoryChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/' || c == ':';
}

bool tagChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
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
  if (reference.tag.size() > 128) return refuse("has a tag longer than 128 characters");
  for (char c : reference.tag) {
    if (!tagChar(c)) return refuse("has a character a tag may not have (letters, digits, _.-)");
  }
  if (reference.tag.front() == '.' || reference.tag.front() == '-') return refuse("has a tag that starts with . or -");
  return reference;
}

std::string normalizedReference(std::string_view text) {
  auto reference = parseImageReference(text);
  return reference ? reference->text() : std::string(text);
}

}  // namespace agent::image
