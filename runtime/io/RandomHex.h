#pragma once
#include <string>

namespace agent {

// `bytes` bytes from the kernel's random source, as lowercase hex (twice as many digits).
std::string randomHex(size_t bytes);

}  // namespace agent
