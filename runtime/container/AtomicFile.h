#pragma once
#include <string>
#include <string_view>

#include "Error.h"

namespace agent::container {

// Replaces `dir/name` with `content` so that a reader, or the next boot after a crash, sees
// either the old file or the whole new one: write a temporary file, fsync it, rename it over
// the target, fsync the directory.
Result<void> writeFileAtomically(const std::string& dir, const std::string& name, std::string_view content);

}  // namespace agent::container
