#pragma once
#include <string>

#include "Error.h"

namespace agent {

// The API's bearer token: read from `path`, or made at first start (32 random bytes as hex,
// mode 0600, owned by root).
Result<std::string> ensureApiToken(const std::string& path);

// Compares in time independent of where the strings differ.
bool tokensEqual(const std::string& a, const std::string& b);

}  // namespace agent
