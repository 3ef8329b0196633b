#pragma once
// Validation of what users name: containers and images. A name becomes a path component,
// so anything that could leave its directory is refused with the reason.
#include <string>
#include <string_view>

#include "Error.h"

namespace agent::container {

inline constexpr size_t kMaxNameLength = 128;

// [A-Za-z0-9][A-Za-z0-9_.-]*, at most 128 characters; never "." or "..".
Result<void> validateName(std::string_view kind, std::string_view name);

// A new random container id: 32 lowercase hex digits (the first 12 are the short id).
std::string newContainerId();

}  // namespace agent::container
