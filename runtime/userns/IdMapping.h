#pragma once
// A container's user namespace: uid and gid 0..size-1 inside are host ids hostUid.. and
// hostGid.. (one line of /proc/<pid>/uid_map and gid_map each).
#include <cstdint>
#include <string>

namespace agent::userns {

// The ids each container gets: uid 0 to 65535 inside, as Docker and podman give them.
inline constexpr uint32_t kIdsPerContainer = 65536;

struct IdMapping {
  uint32_t hostUid = 0;
  uint32_t hostGid = 0;
  uint32_t size = kIdsPerContainer;
  bool operator==(const IdMapping&) const = default;
};

// "0 <host> <size>\n", the line written to uid_map (host = hostUid) or gid_map (hostGid).
inline std::string mapLine(uint32_t host, uint32_t size) {
  return "0 " + std::to_string(host) + " " + std::to_string(size) + "\n";
}

}  // namespace agent::userns
