#pragma once
// The agent's binaries as the containers could reach them (the CVE-2019-5736 class). A
// process that joins a container (an exec helper, a PID 1 before its exec) shows up there,
// and its /proc/<pid>/exe is a magic link to its executable: if that is agent-shim's file on
// the host, the container can open it (O_PATH, kept until the process exits and ETXTBSY
// ends) and overwrite it, and the next container start runs its code as host root. runc and
// crun answer by running from a sealed copy in memory; so does agentd: agent-shim is copied
// once into a memfd sealed against every write, and every shim and exec helper is started
// from that copy (execveat AT_EMPTY_PATH), so /proc/<pid>/exe names the sealed copy.
#include <string>

#include "Error.h"

namespace agent::container {

// A memfd (close-on-exec) holding a sealed copy of the file at `path`, made on the first
// call for that path and kept open for the life of the process. Thread-safe.
Result<int> sealedExecutable(const std::string& path);

// The same, made anew: for a caller that owns the descriptor.
Result<int> makeSealedCopy(const std::string& path);

}  // namespace agent::container
