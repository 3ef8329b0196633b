#pragma once
// Image references as users and archives write them: "busybox", "busybox:1.36",
// "registry:5000/team/app:v2" (Docker's grammar, without digests): a repository and a tag.
#include <string>
#include <string_view>

#include "Error.h"

namespace agent::image {

struct ImageReference {
  // "busybox", "registry:5000/team/app"; Docker Hub's in their familiar form
  // ("docker.io/library/busybox" is "busybox", "docker.io/team/app" is "team/app").
  std::string repository;
  std::string tag;  // "latest" when none was given
  std::string text() const { return repository + ":" + tag; }
};

// Refuses what Docker refuses: upper case in the repository, empty parts, a tag over 128
// characters or with characters outside [A-Za-z0-9_.-], whitespace anywhere.
Result<ImageReference> parseImageReference(std::string_view text);

// A reference's text with ":latest" added when it has no tag; the text unchanged when it
// does not parse (the caller's lookup then finds nothing and says so).
std::string normalizedReference(std::string_view text);

}  // namespace agent::image
