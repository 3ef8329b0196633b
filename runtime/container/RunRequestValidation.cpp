#include "RunRequestValidation.h"

#include "ImageReference.h"

#include <cstdio>

#include "Names.h"
#include "SeccompProfile.h"

namespace agent::container {

namespace {

constexpr size_t kMaxHostnameBytes = 63;
constexpr size_t kMaxShownBytes = 80;  // of a refused value, in the message

auto refuse(const std::string& field, std::string_view value, const std::string& rule) {
  std::string shown = quotedForMessage(value.substr(0, kMaxShownBytes));
  if (value.size() > kMaxShownBytes) shown += "...";
  return userError(field + " " + shown + " is invalid: " + rule, EINVAL);
}

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isControl(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

}  // namespace

Result<void> validateHostname(std::string_view hostname) {
  constexpr const char* kRule =
      "a host name is dot-separated labels of letters, digits and '-' (RFC 1123), none empty, none starting or "
      "ending with '-', at most 63 bytes in all; e.g. web-1 or db.internal";
  if (hostname.empty() || hostname.size() > kMaxHostnameBytes) return refuse("hostname", hostname, kRule);
  size_t labelStart = 0;
  for (size_t i = 0; i <= hostname.size(); ++i) {
    if (i < hostname.size() && hostname[i] != '.') {
      if (!isAlnum(hostname[i]) && hostname[i] != '-') return refuse("hostname", hostname, kRule);
      continue;
    }
    std::string_view label = hostname.substr(labelStart, i - labelStart);
    if (label.empty() || label.front() == '-' || label.back() == '-') return refuse("hostname", hostname, kRule);
    labelStart = i + 1;
  }
  return {};
}

Result<void> validateLabelKey(std::string_view key) {
  if (key.empty()) return refuse("label key", key, "a label key may not be empty");
  for (unsigned char c : key) {
    if (c == ' ' || isControl(c))
      return refuse("label key", key, "a label key may not contain whitespace or control characters");
  }
  return {};
}

Result<void> validateLabelValue(std::string_view key, std::string_view value) {
  if (value.find('\0') != std::string_view::npos)
    return refuse("value of label " + quotedForMessage(key), value, "a label value may not contain a NUL byte");
  return {};
}

Result<void> validateEnvEntry(std::string_view entry) {
  size_t eq = entry.find('=');
  if (eq == std::string_view::npos) return refuse("env entry", entry, "an env entry is KEY=VALUE (no '=' in it)");
  if (eq == 0) return refuse("env entry", entry, "an env entry is KEY=VALUE, and the KEY may not be empty");
  if (entry.find('\0') != std::string_view::npos)
    return refuse("env entry", entry, "an env entry may not contain a NUL byte (the kernel would cut it there)");
  return {};
}

Result<void> validateCommand(const std::vector<std::string>& args) {
  if (args.empty()) return userError("command is missing: give one, e.g. -- sh -c 'echo hi'", EINVAL);
  if (args.front().empty()) return refuse("command", args.front(), "the command may not be empty");
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].find('\0') != std::string::npos) {
      return refuse(i == 0 ? std::string("command") : "argument " + std::to_string(i), args[i],
                    "an argument may not contain a NUL byte (the kernel would cut it there)");
    }
  }
  return {};
}

Result<void> validateUserSpec(std::string_view user) {
  size_t colon = user.find(':');
  bool parts =
      !user.empty() && colon != 0 && colon + 1 != user.size() && user.find(':', colon + 1) == std::string::npos;
  bool plain = user.find_first_of(std::string_view("\0/\n", 3)) == std::string_view::npos;
  if (!parts || !plain)
    return userError("user " + quotedForMessage(user) +
                     " is not NAME, UID, NAME:GROUP or UID:GID (as docker run --user takes it)");
  return {};
}

Result<void> validateExecAs(std::string_view user, std::string_view workingDir) {
  if (!user.empty()) {
    if (auto r = validateUserSpec(user); !r) return r;
  }
  if (!workingDir.empty() && (workingDir.front() != '/' || workingDir.find('\0') != std::string_view::npos))
    return userError("working directory " + quotedForMessage(workingDir) +
                     " is not an absolute path (as docker's -w takes it); give it from /, e.g. -w /srv");
  return {};
}

Result<void> validateRunRequest(const RunRequest& request) {
  if (!request.name.empty()) {
    if (auto r = validateName("container", request.name); !r) return r;
  }
  if (request.image.empty() && request.rootfs.empty())
    return userError("image is missing: give an image (agentctl image ls lists them) or a rootfs directory", EINVAL);
  // A layered image's reference ("busybox:1.36", "registry:5000/team/app") or a flat image's
  // name; only a valid flat name is ever made into a path (ContainerRuntime::run).
  if (!request.image.empty() && !image::parseImageReference(request.image)) {
    if (auto r = validateName("image", request.image); !r) return r;
  }
  // No command: a layered image's Entrypoint and Cmd (ContainerRuntime::run refuses it for
  // an image without them, a flat image and a rootfs).
  if (!request.args.empty()) {
    if (auto r = validateCommand(request.args); !r) return r;
  }
  if (auto r = validateExecAs("", request.workingDir); !r) return r;
  if (request.entrypoint && !request.entrypoint->empty()) {
    if (auto r = validateCommand(*request.entrypoint); !r) return r;
  }
  if (!request.user.empty()) {
    if (auto r = validateUserSpec(request.user); !r) return r;
  }
  if (!request.hostname.empty()) {
    if (auto r = validateHostname(request.hostname); !r) return r;
  }
  for (const auto& [key, value] : request.labels) {
    if (auto r = validateLabelKey(key); !r) return r;
    if (auto r = validateLabelValue(key, value); !r) return r;
  }
  for (const auto& entry : request.env) {
    if (auto r = validateEnvEntry(entry); !r) return r;
  }
  if (auto caps = combineCapabilities(dockerDefaultCapabilities(), request.capAdd, request.capDrop); !caps)
    return tl::unexpected(caps.error());
  if (auto r = validateVolumes(request.volumes); !r) return r;
  if (request.seccomp == SeccompMode::Custom) {
    if (auto profile = seccomp::parseSeccompProfile(request.seccompProfile); !profile)
      return tl::unexpected(profile.error());
  } else if (!request.seccompProfile.empty()) {
    return userError("a seccomp profile was given with seccomp " + std::string(seccompModeName(request.seccomp)) +
                     ": give one or the other");
  }
  return {};
}

}  // namespace agent::container
