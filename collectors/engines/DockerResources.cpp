#include "DockerResources.h"

#include <nlohmann/json.hpp>

namespace agent::collectors::engines {

namespace {

Result<int64_t> integer(const nlohmann::json& hostConfig, const char* key) {
  auto found = hostConfig.find(key);
  if (found == hostConfig.end() || found->is_null()) return 0;
  // Docker's fields are Go int64s: an unsigned above that range is not one of its answers.
  if (!found->is_number_integer() || (found->is_number_unsigned() && found->get<uint64_t>() > uint64_t(INT64_MAX))) {
    return logicError("read HostConfig." + std::string(key) + " of Docker's inspect answer (not a 64-bit integer)", "");
  }
  return found->get<int64_t>();
}

}  // namespace

Result<DockerResources> parseDockerResources(std::string_view inspectJson) {
  auto json = nlohmann::json::parse(inspectJson, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return logicError("read Docker's inspect answer (not a JSON object)", "");
  }
  auto hostConfig = json.find("HostConfig");
  if (hostConfig == json.end() || !hostConfig->is_object()) {
    return logicError("read Docker's inspect answer (no HostConfig object)", "");
  }
  DockerResources r;
  struct Field {
    const char* key;
    int64_t* into;
  };
  for (auto [key, into] :
       {Field{"NanoCpus", &r.nanoCpus}, Field{"CpuQuota", &r.cpuQuota}, Field{"CpuPeriod", &r.cpuPeriod},
        Field{"Memory", &r.memory}, Field{"MemorySwap", &r.memorySwap}}) {
    auto value = integer(*hostConfig, key);
    if (!value) return tl::unexpected(value.error());
    *into = *value;
  }
  if (auto pids = hostConfig->find("PidsLimit"); pids != hostConfig->end() && !pids->is_null()) {
    auto value = integer(*hostConfig, "PidsLimit");
    if (!value) return tl::unexpected(value.error());
    r.pidsLimit = *value;
  }
  return r;
}

}  // namespace agent::collectors::engines
