#pragma once
// The body of POST /v1/containers read into a RunRequest: every field must have its JSON type
// and unknown fields are refused (a misspelt "hostnme" would otherwise be dropped without a
// word). The values themselves are checked by validateRunRequest (RunRequestValidation.h).
#include <string_view>

#include "Error.h"
#include "LimitSet.h"
#include "RunRequest.h"

namespace agent {

struct CreateRequest {
  container::RunRequest run;  // its limits are left empty: policies::LimitService::forRun decides them
  policies::LimitSet limits;  // the limits asked for (cpu, memory, pids)
  bool attach = false;        // an attached client: it gets a reader lease (ReaderLease.h)
};

// EINVAL naming the field and what it must be.
Result<CreateRequest> parseCreateRequest(std::string_view body, unsigned hostCpus);

}  // namespace agent
