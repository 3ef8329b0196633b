#pragma once
// The `engines:` section of agentd's config: which container engines' APIs agentd asks for
// their containers' names, images and labels (docs/engines.md). One entry per engine, each of
// the same shape, e.g.
//   engines:
//     docker: {socket: /var/run/docker.sock, enabled: auto}
#include <string>
#include <string_view>

#include "Error.h"

namespace YAML {
class Node;
}

namespace agent {

enum class EngineUse {
  Auto,  // when the socket exists; its absence is looked at again, cheaply, with a backoff
  On,    // always: a missing or refusing socket is logged (once) and retried
  Off,   // never asked
};
std::string_view engineUseName(EngineUse use);  // "auto", "true", "false"

struct EngineSettings {
  std::string socket;
  EngineUse use = EngineUse::Auto;
  bool operator==(const EngineSettings&) const = default;
};

struct EnginesConfig {
  EngineSettings docker{.socket = "/var/run/docker.sock", .use = EngineUse::Auto};
  // podman's API service (`podman system service`, socket-activated as podman.socket) speaks
  // the same Docker-compatible API; its root socket by default.
  EngineSettings podman{.socket = "/run/podman/podman.sock", .use = EngineUse::Auto};
  bool operator==(const EnginesConfig&) const = default;
};

// Reads the section at `node` (file `path`, for the errors' file:line:column) into `engines`,
// keeping what it does not set. Unknown engines and keys, and wrong types, are errors.
Result<void> readEnginesSection(const std::string& path, const YAML::Node& node, EnginesConfig& engines);

}  // namespace agent
