#include "ImageStore.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "Names.h"
#include "RunRequestValidation.h"

namespace agent::container {

namespace fs = std::filesystem;

Result<std::vector<ImageInfo>> ImageStore::list() const {
  std::vector<ImageInfo> images;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name.front() == '.') continue;  // staging directories
    fs::path rootfs = entry.path() / "rootfs";
    if (!fs::is_directory(rootfs)) continue;
    struct stat st {};
    ::stat(rootfs.c_str(), &st);
    images.push_back({name, rootfs.string(), static_cast<int64_t>(st.st_mtim.tv_sec) * 1000});
  }
  if (ec && ec.value() != ENOENT) return systemError("list images in", root_, ec.value());
  std::sort(images.begin(), images.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return images;
}

Result<TarImportSummary> ImageStore::import(const std::string& name, const std::string& tarPath) const {
  if (auto valid = validateName("image", name); !valid) return tl::unexpected(valid.error());
  fs::path target = fs::path(root_) / name;
  if (fs::exists(target))
    return userError("the image name " + quotedForMessage(name) + " is taken; import it under another name", EEXIST);
  std::error_code ec;
  fs::create_directories(root_, ec);
  fs::path staging = fs::path(root_) / (".import-" + name + "-" + newContainerId().substr(0, 8));
  fs::create_directories(staging / "rootfs", ec);
  if (ec) return systemError("create staging directory", staging.string(), ec.value());
  auto summary = extractTar(tarPath, (staging / "rootfs").string());
  if (summary) {
    fs::rename(staging, target, ec);
    if (!ec) return summary;
  }
  fs::remove_all(staging, ec);
  if (!summary) return tl::unexpected(summary.error());
  return systemError("move the image into place", target.string());
}

}  // namespace agent::container
