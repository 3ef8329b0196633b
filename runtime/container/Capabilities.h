#pragma once
#include "CapabilitySet.h"
#include "Error.h"

namespace agent::container {

// Reduces this process to `set` (bounding, permitted, effective; inheritable and ambient
// cleared) and sets no_new_privs, so nothing it executes gains more. Capabilities this
// process lacks (or the kernel does not know) are left out. Raw syscalls only: it runs in a
// child forked from the multithreaded agentd (exec) and allocates nothing.
Result<void> applyCapabilities(CapabilitySet set);

}  // namespace agent::container
