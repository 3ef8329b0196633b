#pragma once
// /v1/images: the images in <data-dir>/images (ImageStore), and importing a rootfs tarball.
#include "HttpApi.h"
#include "ImageStore.h"

namespace agent {

class ImageHandlers {
 public:
  explicit ImageHandlers(std::string imagesDir) : imagesDir_(std::move(imagesDir)) {}
  HttpResponse list(const HttpRequest& request);
  // {"name", "tar_path": "/absolute/file.tar"} -> 201 with what was imported.
  HttpResponse import(const HttpRequest& request);

 private:
  std::string imagesDir_;
};

}  // namespace agent
