#pragma once
// How an error message shows a value the user (or a request) gave: whatever bytes it holds, the
// message stays one line and says exactly what was sent.
#include <cstddef>
#include <string>
#include <string_view>

namespace agent {

// `text` with '\n', '\t', '\r' written as C writes them, other control bytes as \xNN, and '"'
// and '\\' escaped; other bytes (UTF-8 too) as they are.
std::string escapedForMessage(std::string_view text);

// escapedForMessage in double quotes; cut after `shownBytes` bytes with "..." before the
// closing quote when longer (the default shows all).
std::string quotedForMessage(std::string_view text, size_t shownBytes = std::string_view::npos);

}  // namespace agent
