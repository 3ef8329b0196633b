#include "ImageHandlers.h"

#include "ImageReference.h"
#include "ImageUpload.h"
#include "RunRequestValidation.h"

namespace agent {

using nlohmann::json;

namespace {

HttpResponse noLayeredStore() {
  return errorResponse(503, "unavailable", "this agentd has no layered image store");
}

json configJson(const image::ImageConfig& config) {
  return {{"entrypoint", config.entrypoint},      {"cmd", config.cmd},         {"env", config.env},
          {"working_dir", config.workingDir},     {"user", config.user},       {"labels", config.labels},
          {"exposed_ports", config.exposedPorts}, {"created", config.created}, {"os", config.os},
          {"architecture", config.architecture}};
}

// One row per name (REPOSITORY and TAG), or one with neither for an image known by its id.
void addLayeredRows(json& items, const image::StoredImage& image, const image::ImageSizes& size) {
  json row = {{"kind", "layered"},
              {"id", image.id},
              {"created", image.config.created},
              {"loaded_at_unix_ms", image.loadedAtUnixMs},
              {"layers", image.layers.size()},
              {"size", size.size},
              {"shared_size", size.shared},
              {"unique_size", size.unique}};
  if (image.names.empty()) {
    row["repository"] = "<none>";
    row["tag"] = "<none>";
    row["name"] = image.id;
    items.push_back(row);
  }
  for (const auto& name : image.names) {
    auto reference = image::parseImageReference(name);
    row["repository"] = reference ? reference->repository : name;
    row["tag"] = reference ? reference->tag : "";
    row["name"] = name;
    items.push_back(row);
  }
}

}  // namespace

image::LayeredImageStore::Usage ImageHandlers::usage() const {
  return {[this](const std::string& id) { return runtime_.usesImage(id); },
          [this](const std::string& diffId) { return runtime_.usesLayer(diffId); }};
}

HttpResponse ImageHandlers::list(const HttpRequest&) {
  auto list = container::ImageStore(imagesDir_).list();
  if (!list) return errorResponse(list.error());
  json items = json::array();
  if (layered_) {
    auto images = layered_->list();
    if (!images) return errorResponse(images.error());
    auto sizes = layered_->sizes();
    if (!sizes) return errorResponse(sizes.error());
    for (const auto& image : *images) addLayeredRows(items, image, (*sizes)[image.id]);
  }
  for (const auto& image : *list)
    items.push_back({{"kind", "flat"},
                     {"name", image.name},
                     {"repository", image.name},
                     {"tag", ""},
                     {"rootfs", image.rootfs},
                     {"created_at_unix_ms", image.createdAtUnixMs}});
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

HttpResponse ImageHandlers::load(const HttpRequest& request) {
  if (!layered_) return noLayeredStore();
  if (request.upload) return loadUploadedImage(*layered_, request);  // the archive was the body
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.value("path", json()).is_string())
    return errorResponse(400, "invalid",
                         "the load request's body is not {\"path\": \"/absolute/archive.tar\"}; send the path of a "
                         "docker save archive or an OCI layout on agentd's host");
  std::string path = body["path"].get<std::string>();
  if (path.empty() || path.front() != '/')
    return errorResponse(
        400, "invalid",
        "path " + quotedForMessage(path) + " is not absolute; give the archive's path on agentd's host");
  json progress = json::array();
  auto loaded = layered_->load(path, [&progress](const std::string& line) { progress.push_back(line); });
  if (!loaded) return errorResponse(loaded.error());
  json images = json::array();
  for (const auto& image : *loaded)
    images.push_back({{"id", image.id},
                      {"names", image.names},
                      {"layers", image.layers},
                      {"layers_new", image.layersNew},
                      {"file_bytes_new", image.fileBytesNew}});
  return {200, {{"images", images}, {"progress", progress}}};
}

// A flat image (wave 1's rootfs import) by its exact name: the same order as run's lookup
// (ContainerRuntime), layered first.
std::optional<HttpResponse> ImageHandlers::inspectFlat(const std::string& name) const {
  auto list = container::ImageStore(imagesDir_).list();
  if (!list) return std::nullopt;
  for (const auto& image : *list) {
    if (image.name != name) continue;
    return HttpResponse{200,
                        {{"kind", "flat"},
                         {"names", {image.name}},
                         {"rootfs", image.rootfs},
                         {"created_at_unix_ms", image.createdAtUnixMs},
                         {"layers", json::array()}}};
  }
  return std::nullopt;
}

HttpResponse ImageHandlers::inspect(const HttpRequest& request) {
  std::string ref = request.queryValue("ref");
  if (!layered_) {
    if (auto flat = inspectFlat(ref)) return *flat;
    return noLayeredStore();
  }
  auto image = layered_->resolve(ref);
  if (!image) {
    if (image.error().errnum == ENOENT)
      if (auto flat = inspectFlat(ref)) return *flat;
    return errorResponse(image.error());
  }
  auto sizes = layered_->sizes();
  image::ImageSizes size = sizes ? (*sizes)[image->id] : image::ImageSizes{};
  return {200,
          {{"kind", "layered"},
           {"id", image->id},
           {"names", image->names},
           {"layers", image->layers},
           {"format", image->format},
           {"loaded_at_unix_ms", image->loadedAtUnixMs},
           {"size", size.size},
           {"shared_size", size.shared},
           {"config", configJson(image->config)}}};
}

// tag and rm take layered images; a flat one of that name is said to be one, with what to do.
std::optional<HttpResponse> ImageHandlers::flatRefusal(const std::string& ref, const Error& notFound,
                                                       const char* verb) const {
  if (notFound.errnum != ENOENT || !inspectFlat(ref)) return std::nullopt;
  return errorResponse(400, "invalid",
                       quotedForMessage(ref) + " is a flat image (a rootfs directory made by image import), which " +
                           verb + " does not take; load a layered image (image load), or remove this one with rm -r " +
                           imagesDir_ + "/" + ref + " while no container uses it");
}

HttpResponse ImageHandlers::tag(const HttpRequest& request) {
  if (!layered_) return noLayeredStore();
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.value("ref", json()).is_string() ||
      !body.value("name", json()).is_string())
    return errorResponse(400, "invalid",
                         "the tag request's body is not {\"ref\": \"IMAGE\", \"name\": \"NAME[:TAG]\"}");
  if (auto r = layered_->tag(body["ref"].get<std::string>(), body["name"].get<std::string>()); !r) {
    if (auto flat = flatRefusal(body["ref"].get<std::string>(), r.error(), "image tag")) return *flat;
    return errorResponse(r.error());
  }
  return {200, {{"name", image::normalizedReference(body["name"].get<std::string>())}}};
}

HttpResponse ImageHandlers::remove(const HttpRequest& request) {
  if (!layered_) return noLayeredStore();
  auto removed = layered_->remove(request.queryValue("ref"), request.queryValue("force") == "1", usage());
  if (!removed) {
    if (auto flat = flatRefusal(request.queryValue("ref"), removed.error(), "image rm")) return *flat;
    return errorResponse(removed.error());
  }
  return {
      200,
      {{"untagged", removed->untagged}, {"deleted", removed->deletedId}, {"layers_deleted", removed->layersDeleted}}};
}

HttpResponse ImageHandlers::prune(const HttpRequest&) {
  if (!layered_) return noLayeredStore();
  auto deleted = layered_->prune(usage().layer);
  if (!deleted) return errorResponse(deleted.error());
  json layers = json::array();
  uint64_t bytes = 0;
  for (const auto& layer : *deleted) {
    layers.push_back(layer.diffId);
    bytes += layer.fileBytes;
  }
  return {200, {{"layers_deleted", layers}, {"bytes", bytes}}};
}

}  // namespace agent
