#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::image {

struct ImageConfig {
  std::vector<std::string> entrypoint, cmd, env;
  std::string workingDir, user;
  std::map<std::string, std::string> labels;
  std::vector<std::string> exposedPorts;
  std::vector<std::string> diffIds;
  std::string created;
  std::string os, architecture;
};
Result<ImageConfig> parseImageConfig(std::string_view json);

}  // namespace agent::image
