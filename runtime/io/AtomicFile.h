#pragma once
#include <sys/types.h>

#include <string>
#include <string_view>

#include "Error.h"

namespace agent {

// Replaces `dir/name` with `content` so that a reader, or an agentd started after a crash,
// sees either the old file or the whole new one: write a temporary file, rename it over the
// target. No fsync: these are runtime records (the state dir is under /run), which must
// survive a crash of agentd or the shim (the page cache does) but never a reboot, which no
// container survives either. An fsync cost 1.5 ms each on ext4 here, on the start path.
// `mode`: the new file's permission bits (before the umask).
Result<void> writeFileAtomically(const std::string& dir, const std::string& name, std::string_view content,
                                 mode_t mode = 0600);

}  // namespace agent
