#include "LayerStore.h"

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "AtomicFile.h"
#include "FileAt.h"
#include "RandomHex.h"
#include "Sha256.h"

namespace agent::image {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr char kLayerRecord[] = "layer.json";

// 10 characters of [A-Z0-9]: 36^10 names, so a clash is never expected and still checked.
std::string newShortName() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string hex = randomHex(10), name;
  for (size_t i = 0; i < 10; ++i) name += kAlphabet[std::stoi(hex.substr(2 * i, 2), nullptr, 16) % 36];
  return name;
}

Result<StoredLayer> readLayerRecord(const std::string& path) {
  auto text = readWholeFile(path);
  if (!text) return tl::unexpected(text.error());
  json record = json::parse(*text, nullptr, false);
  if (record.is_discarded() || !record.is_object() || !record.value("diff_id", json()).is_string() ||
      !record.value("short", json()).is_string())
    return logicError("read the layer record (not a layer.json this agent wrote)", path);
  StoredLayer layer;
  layer.diffId = record["diff_id"].get<std::string>();
  layer.digest = record.value("digest", "");
  layer.shortName = record["short"].get<std::string>();
  layer.fileBytes = record.value("file_bytes", uint64_t{0});
  return layer;
}

}  // namespace

std::string LayerStore::layerDirOf(const std::string& diffId) const {
  return root_ + "/layers/" + std::string(digestHex(diffId));
}

std::string LayerStore::diffDirOf(const std::string& diffId) const {
  return layerDirOf(diffId) + "/diff";
}

Result<void> LayerStore::prepare() const {
  std::error_code ec;
  for (const char* sub : {"/layers", "/l", "/tmp"}) {
    fs::create_directories(root_ + sub, ec);
    if (ec) return systemError("create the image store directory", root_ + sub, ec.value());
  }
  for (const auto& entry : fs::directory_iterator(root_ + "/tmp", ec)) fs::remove_all(entry.path(), ec);
  return {};
}

std::optional<StoredLayer> LayerStore::find(const std::string& diffId) const {
  if (!isSha256Digest(diffId)) return std::nullopt;
  auto layer = readLayerRecord(layerDirOf(diffId) + "/" + kLayerRecord);
  if (!layer || layer->diffId != diffId) return std::nullopt;
  return *layer;
}

Result<std::vector<StoredLayer>> LayerStore::list() const {
  std::vector<StoredLayer> layers;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_ + "/layers", ec)) {
    if (auto layer = readLayerRecord(entry.path().string() + "/" + kLayerRecord)) layers.push_back(std::move(*layer));
  }
  if (ec) return systemError("list the layers in", root_ + "/layers", ec.value());
  return layers;
}

std::string LayerStore::stagingPath() const {
  return root_ + "/tmp/" + randomHex(8);
}

Result<StoredLayer> LayerStore::commit(const std::string& stagedDir, const UnpackedLayer& unpacked) {
  std::error_code ec;
  if (auto existing = find(unpacked.diffId)) {
    fs::remove_all(stagedDir, ec);
    return *existing;
  }
  // The record, then the short link, then the rename that makes it found: a crash before
  // the rename leaves only tmp/ (emptied at start) and a dangling link (harmless, never read).
  std::string staging = stagingPath();
  fs::create_directories(staging, ec);
  if (ec) return systemError("create a staging directory for a layer", staging, ec.value());
  fs::rename(stagedDir, staging + "/diff", ec);
  if (ec) return systemError("move the unpacked layer into", staging, ec.value());
  StoredLayer layer{unpacked.diffId, unpacked.digest, "", unpacked.fileBytes};
  std::string target = "../layers/" + std::string(digestHex(unpacked.diffId)) + "/diff";
  for (int attempt = 0; layer.shortName.empty(); ++attempt) {
    std::string name = newShortName();
    if (::symlink(target.c_str(), (root_ + "/l/" + name).c_str()) == 0)
      layer.shortName = name;
    else if (errno != EEXIST || attempt > 8)
      return systemError("link the layer's short name", root_ + "/l/" + name);
  }
  json record{
      {"diff_id", layer.diffId}, {"digest", layer.digest}, {"file_bytes", layer.fileBytes}, {"short", layer.shortName}};
  if (auto r = writeFileAtomically(staging, kLayerRecord, record.dump(2) + "\n"); !r) return tl::unexpected(r.error());
  fs::rename(staging, layerDirOf(layer.diffId), ec);
  if (ec) {
    ::unlink((root_ + "/l/" + layer.shortName).c_str());
    if (auto raced = find(unpacked.diffId)) {  // another load stored it first
      fs::remove_all(staging, ec);
      return *raced;
    }
    return systemError("move the layer into place at", layerDirOf(layer.diffId), ec.value());
  }
  return layer;
}

Result<void> LayerStore::remove(const std::string& diffId) {
  auto layer = find(diffId);
  if (!layer) return {};
  std::string away = stagingPath();
  std::error_code ec;
  fs::rename(layerDirOf(diffId), away, ec);
  if (ec) return systemError("move the layer away from", layerDirOf(diffId), ec.value());
  ::unlink((root_ + "/l/" + layer->shortName).c_str());
  fs::remove_all(away, ec);
  if (ec) return systemError("delete the layer's files in", away, ec.value());
  return {};
}

}  // namespace agent::image
