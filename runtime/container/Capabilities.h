#pragma once
#include "Error.h"

namespace agent::container {

// Reduces this process to Docker's default capability set (bounding, permitted, effective,
// inheritable; ambient cleared) and sets no_new_privs, so nothing it executes gains more.
Result<void> dropToDefaultCapabilities();

}  // namespace agent::container
