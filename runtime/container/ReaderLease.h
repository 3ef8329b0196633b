#pragma once
// An attached reader of a container's output (`agentctl run` without -d) holds a lease in
// STATE_DIR/containers/<id>/readers/<reader>: the log position it has received everything
// before, and until when the lease runs. agent-shim never rotates away output that a reader
// with a running lease has not received: it waits (and PID 1 with it, once the pipe is full),
// as a process writing to a slow terminal waits. The client renews its lease with every
// request; one that went away stops holding the container once its lease runs out.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::container {

inline constexpr std::chrono::milliseconds kReaderLeaseTime{15000};

struct ReaderLease {
  uint64_t position = 0;    // everything before it was received
  int64_t expiresAtMs = 0;  // CLOCK_BOOTTIME: one clock for every process, never set back
};

// Milliseconds on CLOCK_BOOTTIME.
int64_t bootTimeMs();

// "<position> <expiresAtMs>\n"
std::string formatReaderLease(const ReaderLease& lease);
std::optional<ReaderLease> parseReaderLease(std::string_view text);
// Reader ids are made by agentd: 1 to 64 of [0-9a-f] (they name a file).
bool isReaderId(std::string_view id);

// Writes (atomically) the lease of `reader` in the container directory `bundleDir`, which
// must exist: a lease never brings back the directory of a removed container.
Result<void> writeReaderLease(const std::string& bundleDir, const std::string& reader, const ReaderLease& lease);
void dropReaderLease(const std::string& bundleDir, const std::string& reader);
// Every lease in `bundleDir` still running at `nowMs`.
std::vector<ReaderLease> runningReaderLeases(const std::string& bundleDir, int64_t nowMs);
std::string readerLeaseDir(const std::string& bundleDir);

}  // namespace agent::container
