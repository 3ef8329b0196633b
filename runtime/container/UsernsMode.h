#pragma once
// Whether a container shares the host's user namespace (its root is the host's root, as in
// Docker by default) or gets one of its own with a range of unprivileged host ids (podman's
// --userns=auto). See docs/security.md.
#include <optional>
#include <string_view>

namespace agent::container {

enum class UsernsMode { Host, Auto };

inline std::optional<UsernsMode> parseUsernsMode(std::string_view text) {
  if (text == "host") return UsernsMode::Host;
  if (text == "auto") return UsernsMode::Auto;
  return std::nullopt;
}

inline std::string_view usernsModeName(UsernsMode mode) {
  return mode == UsernsMode::Auto ? "auto" : "host";
}

}  // namespace agent::container
