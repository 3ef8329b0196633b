#pragma once
// `docker save`'s own index files: manifest.json (Docker >= 1.10, also written by Docker >= 25
// and `skopeo copy ... docker-archive:`) and the legacy `repositories`.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::image {

// One entry of manifest.json: [{"Config": "<hex>.json", "RepoTags": ["busybox:latest"],
// "Layers": ["<id>/layer.tar", ...]}]. Paths as written (the planner normalizes them).
struct DockerArchiveEntry {
  std::string config;
  std::vector<std::string> repoTags;  // null or absent: none (an image saved by id)
  std::vector<std::string> layers;    // base first
};
Result<std::vector<DockerArchiveEntry>> parseDockerArchiveManifest(std::string_view json, const std::string& file);

// `repositories`: {"busybox": {"latest": "<id of the top layer's directory>"}}, as
// repository -> tag -> id.
using DockerRepositories = std::map<std::string, std::map<std::string, std::string>>;
Result<DockerRepositories> parseDockerRepositories(std::string_view json, const std::string& file);

}  // namespace agent::image
