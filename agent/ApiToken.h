#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "Error.h"

namespace agent {

// The API's bearer token: read from `path`, or made at first start (32 random bytes as hex,
// mode 0600, owned by root).
Result<std::string> ensureApiToken(const std::string& path);

// The token of an Authorization header's value, "Bearer <token>": the scheme in any case
// (auth schemes are case-insensitive, RFC 7235 2.1), spaces or tabs before, after and between
// (one or more). Nothing for another scheme, a missing token, or one with a space inside.
std::optional<std::string_view> bearerToken(std::string_view header);

// Compares in time independent of where the strings differ.
bool tokensEqual(const std::string& a, const std::string& b);

}  // namespace agent
