#pragma once
// The parts of an image config that run a container (OCI image-spec config.md; Docker's
// config is a superset with the same names). Parsed from text; the reader verifies its digest.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::image {

struct ImageConfig {
  std::vector<std::string> entrypoint, cmd, env;  // env: KEY=VALUE
  std::string workingDir, user;                   // user: "name", "uid", "uid:gid", "name:group"
  std::map<std::string, std::string> labels;
  std::vector<std::string> exposedPorts;  // "80/tcp"
  std::vector<std::string> diffIds;       // rootfs.diff_ids, base first
  std::string created;                    // RFC 3339 as written, may be empty
  std::string os, architecture;
};

// `file` names the config in refusals (e.g. "blobs/sha256/<hex>"). rootfs must be of type
// "layers" with valid sha256 diff_ids; a field of the wrong type is refused, naming it.
Result<ImageConfig> parseImageConfig(std::string_view json, const std::string& file);
inline Result<ImageConfig> parseImageConfig(std::string_view json) {
  return parseImageConfig(json, "image config");
}

}  // namespace agent::image
