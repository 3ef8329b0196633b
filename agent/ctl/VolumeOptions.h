#pragma once
// run's -v, --tmpfs and --read-only as fields of the create body. Each text is checked here
// with agentd's own parser (VolumeSpec.h), so a bad one is a usage error before any request;
// agentd checks them again (the API has other callers) and looks at the host paths.
#include <nlohmann/json.hpp>

#include "Commands.h"

namespace agent::ctl {

// False (with one line on stderr saying what and what to do) if a text is not one.
bool addVolumeFields(const RunOptions& options, nlohmann::json& body);

}  // namespace agent::ctl
