#include "DeviceRequest.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "MessageText.h"

namespace agent::container {

namespace {

auto refuse(std::string_view text, const std::string& why) {
  return userError("device " + quotedForMessage(text) + " is invalid: " + why +
                       "; give it as HOST[:CONTAINER][:PERMISSIONS], e.g. /dev/kmsg:/dev/kmsg:r",
                   EINVAL);
}

// Docker's validDeviceMode: letters of r, w, m, each at most once, at least one.
std::optional<uint8_t> accessOf(std::string_view permissions) {
  if (permissions.empty()) return std::nullopt;
  uint8_t access = 0;
  for (char c : permissions) {
    uint8_t bit = c == 'r'   ? cgroup::kDeviceRead
                  : c == 'w' ? cgroup::kDeviceWrite
                  : c == 'm' ? cgroup::kDeviceMknod
                             : 0;
    if (bit == 0 || (access & bit)) return std::nullopt;
    access |= bit;
  }
  return access;
}

const char* kindOf(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a device";
}

Result<DeviceMapping> resolveDeviceNode(const DeviceRequest& request) {
  struct stat st {};
  if (::stat(request.hostPath.c_str(), &st) != 0) {
    int err = errno;
    return userError("the device " + quotedForMessage(request.hostPath) + " given with --device cannot be used: " +
                         std::strerror(err) + " on agentd's host; give a device node that exists there",
                     err == ENOENT ? ENOENT : EINVAL);
  }
  if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
    return userError("--device " + quotedForMessage(request.hostPath) + " is " + kindOf(st.st_mode) +
                         ", not a character or block device; give a device node such as /dev/kmsg",
                     EINVAL);
  }
  DeviceMapping mapping;
  mapping.hostPath = request.hostPath;
  mapping.containerPath = request.containerPath;
  mapping.permissions = request.permissions;
  mapping.type = S_ISBLK(st.st_mode) ? 'b' : 'c';
  mapping.major = major(st.st_rdev);
  mapping.minor = minor(st.st_rdev);
  mapping.mode = st.st_mode & 07777;
  mapping.uid = st.st_uid;
  mapping.gid = st.st_gid;
  return mapping;
}

}  // namespace

Result<DeviceRequest> parseDeviceRequest(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return refuse(text, "it contains a NUL byte");
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() > 3) return refuse(text, "it has more than three ':'-separated parts");
  DeviceRequest request;
  request.hostPath = std::string(parts[0]);
  if (parts.size() == 3) {
    request.containerPath = std::string(parts[1]);
    request.permissions = std::string(parts[2]);
  } else if (parts.size() == 2) {
    (accessOf(parts[1]) ? request.permissions : request.containerPath) = std::string(parts[1]);
  }
  if (request.containerPath.empty()) request.containerPath = request.hostPath;
  if (request.hostPath.empty() || request.hostPath.front() != '/')
    return refuse(text, "the host path " + quotedForMessage(request.hostPath) + " is not absolute");
  if (request.containerPath.front() != '/')
    return refuse(text, "the container path " + quotedForMessage(request.containerPath) + " is not absolute");
  request.containerPath = std::filesystem::path(request.containerPath).lexically_normal().string();
  while (request.containerPath.size() > 1 && request.containerPath.back() == '/') request.containerPath.pop_back();
  if (request.containerPath == "/") return refuse(text, "the container path is the root directory");
  if (!accessOf(request.permissions))
    return refuse(text, "the permissions " + quotedForMessage(request.permissions) +
                            " are not letters of r (read), w (write) and m (mknod), each at most once");
  return request;
}

std::string deviceRequestText(const DeviceRequest& request) {
  return request.hostPath + ":" + request.containerPath + ":" + request.permissions;
}

Result<DeviceMapping> resolveDeviceRequest(const DeviceRequest& given) {
  // A request not made by parseDeviceRequest (a caller of the runtime itself) is held to it too.
  auto request = parseDeviceRequest(deviceRequestText(given));
  if (!request) return tl::unexpected(request.error());
  return resolveDeviceNode(*request);
}

std::vector<cgroup::DeviceRule> deviceRulesWith(const std::vector<DeviceMapping>& devices) {
  std::vector<cgroup::DeviceRule> rules = cgroup::defaultDeviceAllowList();
  for (const DeviceMapping& device : devices) {
    cgroup::DeviceRule added{device.type == 'b' ? cgroup::DeviceType::Block : cgroup::DeviceType::Char, device.major,
                             device.minor, accessOf(device.permissions).value_or(cgroup::kDeviceRwm)};
    auto same = std::find_if(rules.begin(), rules.end(), [&](const cgroup::DeviceRule& r) {
      return r.type == added.type && r.major == added.major && r.minor == added.minor;
    });
    if (same != rules.end())
      same->access |= added.access;
    else
      rules.push_back(added);
  }
  return rules;
}

}  // namespace agent::container
