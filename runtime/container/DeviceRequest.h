#pragma once
// --device HOST[:CTR][:PERMISSIONS], as Docker takes it: the host's device node HOST is made
// at CTR in the container (CTR defaults to HOST; any absolute path, resolved inside the
// container's root), and the device allow-list gets its type and numbers with PERMISSIONS
// (letters of r, w, m; default rwm).
#include <string>
#include <string_view>
#include <vector>

#include "ContainerSpec.h"
#include "DeviceRules.h"
#include "Error.h"

namespace agent::container {

struct DeviceRequest {
  std::string hostPath;
  std::string containerPath;
  std::string permissions = "rwm";
  bool operator==(const DeviceRequest&) const = default;
};

// "/dev/kmsg", "/dev/kmsg:r", "/dev/sda:/dev/xvda", "/dev/sda:/dev/xvda:rw". As Docker's
// CLI: with two parts the second is the permissions if it reads as permissions, else CTR.
// Both paths absolute, no NUL, CTR not "/"; permissions each of r, w, m at most once.
Result<DeviceRequest> parseDeviceRequest(std::string_view text);
// "HOST:CTR:PERMISSIONS", parsed back by parseDeviceRequest.
std::string deviceRequestText(const DeviceRequest& request);
// Looks at the host's node (following links, as Docker does): refused, naming it, unless it
// is a character or block device.
Result<DeviceMapping> resolveDeviceRequest(const DeviceRequest& request);
// Docker's allow-list plus a rule for each of `devices`; rules for the same device are one
// rule with the access of both, as the kernel keeps them.
std::vector<cgroup::DeviceRule> deviceRulesWith(const std::vector<DeviceMapping>& devices);

}  // namespace agent::container
