#pragma once
// /v1/images: flat images (DATA_DIR/images/<name>/rootfs, ImageStore.h: `image import`) and
// layered ones (DATA_DIR/image-store, LayeredImageStore.h: `image load`), listed together.
// A reference ("busybox", "registry:5000/app:v2", an id prefix) holds '/' and ':', so it
// travels in the query (?ref=), not the path.
#include "ContainerRuntime.h"
#include "HttpApi.h"
#include "ImageStore.h"
#include "LayeredImageStore.h"

namespace agent {

class ImageHandlers {
 public:
  ImageHandlers(std::string imagesDir, image::LayeredImageStore* layered, const container::ContainerRuntime& runtime)
      : imagesDir_(std::move(imagesDir)), layered_(layered), runtime_(runtime) {}
  HttpResponse list(const HttpRequest& request);
  // {"name", "tar_path": "/absolute/file.tar"} -> 201 with what was imported.
  HttpResponse import(const HttpRequest& request);
  // {"path": "/absolute/archive.tar or OCI layout dir"} -> 200 {"images": [...], "progress": [...]};
  // an x-tar body (ImageUpload.h) -> 200 and JSON lines as it loads.
  HttpResponse load(const HttpRequest& request);
  HttpResponse inspect(const HttpRequest& request);  // ?ref=
  HttpResponse tag(const HttpRequest& request);      // {"ref", "name"}
  HttpResponse remove(const HttpRequest& request);   // ?ref=&force=1
  HttpResponse prune(const HttpRequest& request);

 private:
  std::optional<HttpResponse> inspectFlat(const std::string& name) const;
  std::optional<HttpResponse> flatRefusal(const std::string& ref, const Error& notFound, const char* verb) const;
  image::LayeredImageStore::Usage usage() const;
  std::string imagesDir_;
  image::LayeredImageStore* layered_;
  const container::ContainerRuntime& runtime_;
};

}  // namespace agent
