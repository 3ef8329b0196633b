#include "ImageHandlers.h"

#include "RunRequestValidation.h"

namespace agent {

using nlohmann::json;

HttpResponse ImageHandlers::list(const HttpRequest&) {
  auto list = container::ImageStore(imagesDir_).list();
  if (!list) return errorResponse(list.error());
  json items = json::array();
  for (const auto& image : *list)
    items.push_back({{"name", image.name}, {"rootfs", image.rootfs}, {"created_at_unix_ms", image.createdAtUnixMs}});
  return {200, items};
}

HttpResponse ImageHandlers::import(const HttpRequest& request) {
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("name") || !body.contains("tar_path") ||
      !body["name"].is_string() || !body["tar_path"].is_string()) {
    return errorResponse(400, "invalid",
                         "the import request's body is not {\"name\": \"...\", \"tar_path\": \"/absolute/file.tar\"}; "
                         "send both as strings");
  }
  std::string name = body["name"].get<std::string>(), tarPath = body["tar_path"].get<std::string>();
  if (tarPath.empty() || tarPath.front() != '/') {
    return errorResponse(400, "invalid",
                         "tar_path " + quotedForMessage(tarPath) +
                             " is not an absolute path; give the tarball's absolute path on agentd's host");
  }
  auto imported = container::ImageStore(imagesDir_).import(name, tarPath);
  if (!imported) return errorResponse(imported.error());
  return {201,
          {{"name", name},
           {"files", imported->files},
           {"directories", imported->directories},
           {"symlinks", imported->symlinks},
           {"hardlinks", imported->hardlinks},
           {"skipped_devices", imported->skippedDevices},
           {"bytes", imported->bytes}}};
}

}  // namespace agent
