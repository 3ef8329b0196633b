#include "VolumeJson.h"

#include <cstdio>
#include <stdexcept>

namespace agent::container {

using nlohmann::json;

json volumesJson(const std::vector<VolumeSpec>& volumes) {
  json list = json::array();
  for (const VolumeSpec& v : volumes) {
    bool bind = v.kind == VolumeKind::Bind;
    json j = {{"type", bind ? "bind" : "tmpfs"},
              {"source", bind ? v.source : std::string("tmpfs")},
              {"destination", v.target},
              {"mode", v.readOnly ? "ro" : "rw"},
              {"rw", !v.readOnly}};
    if (bind && v.idmap) j["idmap"] = true;
    if (!bind) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", v.mode);
      j["tmpfs_mode"] = mode;  // octal, as `mode=` takes it
      j["exec"] = v.exec;
      if (v.sizeBytes > 0) j["size_bytes"] = v.sizeBytes;
    }
    list.push_back(std::move(j));
  }
  return list;
}

std::vector<VolumeSpec> volumesFromJson(const json& list) {
  std::vector<VolumeSpec> volumes;
  for (const json& j : list) {
    VolumeSpec v;
    std::string type = j.at("type").get<std::string>();
    if (type != "bind" && type != "tmpfs") throw std::runtime_error("volumes: unknown type " + type);
    v.kind = type == "bind" ? VolumeKind::Bind : VolumeKind::Tmpfs;
    if (v.kind == VolumeKind::Bind) {
      v.source = j.at("source").get<std::string>();
      v.idmap = j.value("idmap", false);
    }
    v.target = j.at("destination").get<std::string>();
    v.readOnly = !j.at("rw").get<bool>();
    if (v.kind == VolumeKind::Tmpfs) {
      v.mode = static_cast<uint32_t>(std::stoul(j.value("tmpfs_mode", std::string("1777")), nullptr, 8));
      v.exec = j.value("exec", false);
      v.sizeBytes = j.value("size_bytes", uint64_t{0});
    }
    volumes.push_back(std::move(v));
  }
  return volumes;
}

}  // namespace agent::container
