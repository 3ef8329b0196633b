#pragma once
// A container's volumes as JSON, one object each, in Docker's inspect vocabulary ("Mounts":
// type, source, destination, mode, rw) spelled as our API spells fields: kept in config.json
// (so an agentd restarted shows them) and shown by inspect.
#include <nlohmann/json.hpp>
#include <vector>

#include "VolumeSpec.h"

namespace agent::container {

nlohmann::json volumesJson(const std::vector<VolumeSpec>& volumes);
// Throws on a malformed entry (config.json's reader turns that into its error).
std::vector<VolumeSpec> volumesFromJson(const nlohmann::json& list);

}  // namespace agent::container
