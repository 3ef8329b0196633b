#include "ImageCatalog.h"

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "AtomicFile.h"
#include "FileAt.h"
#include "Sha256.h"

namespace agent::image {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ImageCatalog::pathOf(const std::string& id) const {
  return dir_ + "/" + std::string(digestHex(id)) + ".json";
}

Result<void> ImageCatalog::prepare() const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return systemError("create the image store directory", dir_, ec.value());
  return {};
}

Result<StoredImage> ImageCatalog::get(const std::string& id) const {
  if (!isSha256Digest(id)) return userError("no image with id " + id, ENOENT);
  auto text = readWholeFile(pathOf(id));
  if (!text) return tl::unexpected(text.error());
  json record = json::parse(*text, nullptr, false);
  auto bad = [&] { return logicError("read the image record (not one this agent wrote)", pathOf(id)); };
  if (record.is_discarded() || !record.is_object()) return bad();
  StoredImage image;
  try {
    image.id = record.at("id").get<std::string>();
    image.names = record.value("names", std::vector<std::string>{});
    image.layers = record.at("layers").get<std::vector<std::string>>();
    image.configJson = record.at("config").get<std::string>();
    image.format = record.value("format", "");
    image.loadedAtUnixMs = record.value("loaded_at_unix_ms", int64_t{0});
  } catch (const json::exception&) {
    return bad();
  }
  if (image.id != id) return bad();
  auto config = parseImageConfig(image.configJson);
  if (!config) return tl::unexpected(config.error());
  image.config = std::move(*config);
  return image;
}

Result<std::vector<StoredImage>> ImageCatalog::list() const {
  std::vector<StoredImage> images;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string file = entry.path().filename().string();
    if (file.size() != 64 + 5 || file.substr(64) != ".json") continue;
    if (auto image = get(std::string(kSha256Prefix) + file.substr(0, 64))) images.push_back(std::move(*image));
  }
  if (ec) return systemError("list the images in", dir_, ec.value());
  return images;
}

Result<void> ImageCatalog::put(const StoredImage& image) const {
  json record{{"id", image.id},         {"names", image.names},
              {"layers", image.layers}, {"config", image.configJson},
              {"format", image.format}, {"loaded_at_unix_ms", image.loadedAtUnixMs}};
  std::string path = pathOf(image.id);
  return writeFileAtomically(dir_, path.substr(dir_.size() + 1), record.dump(2) + "\n");
}

Result<void> ImageCatalog::remove(const std::string& id) const {
  if (::unlink(pathOf(id).c_str()) != 0 && errno != ENOENT) return systemError("remove the image record", pathOf(id));
  return {};
}

}  // namespace agent::image
