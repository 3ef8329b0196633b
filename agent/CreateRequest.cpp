#include "CreateRequest.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "LimitSet.h"
#include "RunRequestValidation.h"

namespace agent {

using nlohmann::json;

namespace {

constexpr const char* kFields[] = {"image",          "rootfs",      "name",         "command", "env",        "hostname",
                                   "labels",         "network",     "cpu",          "memory",  "pids",       "attach",
                                   "remove_on_exit", "devices",     "userns",       "cap_add", "cap_drop",   "seccomp",
                                   "volumes",        "tmpfs",       "read_only",    "tty",     "open_stdin", "user",
                                   "entrypoint",     "working_dir", "console_size", "publish", "publish_all"};

auto refuse(const std::string& what) {
  return userError(what, EINVAL);
}

Result<std::string> stringField(const json& body, const char* field) {
  if (!body.contains(field)) return std::string();
  if (!body[field].is_string()) return refuse(std::string(field) + " must be a string");
  return body[field].get<std::string>();
}

Result<std::vector<std::string>> stringsField(const json& body, const char* field, const char* example) {
  if (!body.contains(field)) return std::vector<std::string>();
  const json& value = body[field];
  bool strings =
      value.is_array() && std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); });
  if (!strings) return refuse(std::string(field) + " must be an array of strings, e.g. " + example);
  return value.get<std::vector<std::string>>();
}

Result<void> parseVolumeFields(const json& body, container::RunRequest& run) {
  for (auto [field, parse, example] : {std::tuple{"volumes", &container::parseVolumeOption, "[\"/srv/data:/data:ro\"]"},
                                       {"tmpfs", &container::parseTmpfsOption, "[\"/run:size=64m\"]"}}) {
    auto texts = stringsField(body, field, example);
    if (!texts) return tl::unexpected(texts.error());
    for (const auto& text : *texts) {
      auto volume = parse(text);
      if (!volume) return tl::unexpected(volume.error());
      run.volumes.push_back(std::move(*volume));
    }
  }
  return {};
}

}  // namespace

Result<CreateRequest> parseCreateRequest(std::string_view text, unsigned hostCpus) {
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return refuse("the body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (std::find(std::begin(kFields), std::end(kFields), key) == std::end(kFields)) {
      std::string known;
      for (const char* field : kFields) known += std::string(known.empty() ? "" : ", ") + field;
      return refuse("unknown field " + quotedForMessage(key) + " (the fields are " + known + ")");
    }
  }
  CreateRequest request;
  container::RunRequest& run = request.run;
  for (auto [field, target] : {std::pair{"image", &run.image},
                               {"rootfs", &run.rootfs},
                               {"name", &run.name},
                               {"hostname", &run.hostname},
                               {"user", &run.user},
                               {"working_dir", &run.workingDir}}) {
    auto value = stringField(body, field);
    if (!value) return tl::unexpected(value.error());
    *target = std::move(*value);
  }
  auto command = stringsField(body, "command", "[\"sh\", \"-c\", \"echo hi\"]");
  if (!command) return tl::unexpected(command.error());
  run.args = std::move(*command);
  // Docker's Entrypoint: absent keeps the image's, [] clears it.
  if (body.contains("entrypoint")) {
    auto entrypoint = stringsField(body, "entrypoint", "[\"/bin/sh\", \"-c\"]");
    if (!entrypoint) return tl::unexpected(entrypoint.error());
    run.entrypoint = std::move(*entrypoint);
  }
  auto env = stringsField(body, "env", "[\"KEY=VALUE\"]");
  if (!env) return tl::unexpected(env.error());
  run.env = std::move(*env);
  auto devices = stringsField(body, "devices", "[\"/dev/kmsg:/dev/kmsg:r\"]");
  if (!devices) return tl::unexpected(devices.error());
  for (const auto& text : *devices) {
    auto device = container::parseDeviceRequest(text);
    if (!device) return tl::unexpected(device.error());
    run.devices.push_back(std::move(*device));
  }
  // Volumes: the texts of -v and --tmpfs, parsed as agentctl parses them.
  if (auto volumes = parseVolumeFields(body, run); !volumes) return tl::unexpected(volumes.error());
  // Confinement: capability names are checked by validateRunRequest.
  for (auto [field, target] : {std::pair{"cap_add", &run.capAdd}, {"cap_drop", &run.capDrop}}) {
    auto names = stringsField(body, field, "[\"NET_ADMIN\"]");
    if (!names) return tl::unexpected(names.error());
    *target = std::move(*names);
  }
  // "default", "unconfined", or a profile (an object in Docker's format, checked by
  // validateRunRequest).
  if (body.contains("seccomp")) {
    const json& seccomp = body["seccomp"];
    if (seccomp.is_object()) {
      run.seccomp = container::SeccompMode::Custom;
      run.seccompProfile = seccomp.dump();
    } else if (seccomp == "unconfined") {
      run.seccomp = container::SeccompMode::Unconfined;
    } else if (seccomp != "default") {
      return refuse("seccomp must be \"default\", \"unconfined\" or a profile (an object in Docker's format)");
    }
  }
  if (body.contains("labels")) {
    const json& labels = body["labels"];
    bool strings =
        labels.is_object() && std::all_of(labels.begin(), labels.end(), [](const json& v) { return v.is_string(); });
    if (!strings) return refuse("labels must be an object of strings, e.g. {\"tier\": \"web\"}");
    run.labels = labels.get<std::map<std::string, std::string>>();
  }
  for (auto [field, target] : {std::pair{"remove_on_exit", &run.removeOnExit},
                               {"attach", &request.attach},
                               {"read_only", &run.readOnlyRoot},
                               {"tty", &run.tty},
                               {"open_stdin", &run.openStdin}}) {
    if (!body.contains(field)) continue;
    if (!body[field].is_boolean()) return refuse(std::string(field) + " must be true or false");
    *target = body[field].get<bool>();
  }
  if (body.contains("console_size")) {
    // [rows, columns] of the client's window, as Docker's HostConfig.ConsoleSize.
    const json& size = body["console_size"];
    bool valid = size.is_array() && size.size() == 2 && size[0].is_number_unsigned() && size[1].is_number_unsigned() &&
                 size[0].get<uint64_t>() <= 0xffff && size[1].get<uint64_t>() <= 0xffff;
    if (!valid) return refuse("console_size must be [rows, columns], two numbers up to 65535");
    run.consoleRows = size[0].get<uint16_t>();
    run.consoleColumns = size[1].get<uint16_t>();
  }
  auto network = stringField(body, "network");
  if (!network) return tl::unexpected(network.error());
  // Absent or empty: agentd's `default_network`. "container:REF" joins that container's.
  if (network->rfind("container:", 0) == 0) {
    run.network = container::NetworkMode::Container;
    run.networkContainer = network->substr(std::string_view("container:").size());
    if (run.networkContainer.empty())
      return refuse("network container: needs the container to join, e.g. container:web");
  } else if (!network->empty()) {
    for (auto mode : {container::NetworkMode::None, container::NetworkMode::Host, container::NetworkMode::Bridge})
      if (*network == container::networkModeName(mode)) run.network = mode;
    if (!run.network)
      return refuse("network must be none, host, bridge or container:NAME, not " + quotedForMessage(*network));
  }
  auto publish = stringsField(body, "publish", "[\"8080:80\", \"127.0.0.1:5353:53/udp\"]");
  if (!publish) return tl::unexpected(publish.error());
  run.publish = std::move(*publish);
  if (body.contains("publish_all")) {
    if (!body["publish_all"].is_boolean()) return refuse("publish_all must be true or false");
    run.publishAll = body["publish_all"].get<bool>();
  }
  auto userns = stringField(body, "userns");  // absent: agentd's `default_userns`
  if (!userns) return tl::unexpected(userns.error());
  if (body.contains("userns") && !(run.userns = container::parseUsernsMode(*userns)))
    return refuse("userns must be host or auto, not " + quotedForMessage(*userns));
  // A quantity given is parsed, even an empty one (which says why it is not one).
  for (policies::Resource resource : policies::kResources) {
    std::string field(policies::resourceName(resource));
    if (!body.contains(field)) continue;
    auto text = stringField(body, field.c_str());
    if (!text) return tl::unexpected(text.error());
    if (auto parsed = policies::setQuantity(request.limits, resource, *text, hostCpus); !parsed)
      return tl::unexpected(parsed.error());
  }
  return request;
}

}  // namespace agent
