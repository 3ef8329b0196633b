#pragma once
// The SPEC's policy example (web-tier), shared by the loader's and the resolution's unit tests.
namespace agent::fixture {

inline const char* kWebTierPolicy = R"(policies:
  - name: web-tier
    priority: 10
    match:
      names: ["web-*"]
      labels: {tier: web}
    limits:
      cpu: 50%
      memory: 256Mi
      pids: 128
    max:
      cpu: 200%
      memory: 1Gi
)";

}  // namespace agent::fixture
