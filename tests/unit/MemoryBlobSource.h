#pragma once
// An image source held in memory, for the planner's unit tests and its fuzzer: files by path,
// paths normalized as the real sources do. range() gives no fd (fd -1), only the length.
#include <map>
#include <string>

#include "BlobSource.h"
#include "Sha256.h"
#include "SourcePath.h"

namespace agent::image {

class MemoryBlobSource : public BlobSource {
 public:
  MemoryBlobSource& file(const std::string& path, std::string bytes) {
    files_[path] = std::move(bytes);
    return *this;
  }
  // Stores `bytes` as blobs/sha256/<hex> and returns the digest.
  std::string blob(const std::string& bytes) {
    std::string digest = sha256Digest(bytes);
    files_[blobPathOf(digest)] = bytes;
    return digest;
  }
  void remove(const std::string& path) { files_.erase(path); }

  bool exists(const std::string& path) const override {
    auto normal = normalizeSourcePath(path, "memory");
    return normal && files_.count(*normal) > 0;
  }
  Result<std::string> read(const std::string& path, size_t maxBytes) const override {
    auto found = find(path);
    if (!found) return tl::unexpected(found.error());
    if ((*found)->size() > maxBytes) return logicError("read (too big)", path, EFBIG);
    return **found;
  }
  Result<BlobRange> range(const std::string& path) const override {
    auto found = find(path);
    if (!found) return tl::unexpected(found.error());
    return BlobRange{-1, 0, (*found)->size()};
  }

 private:
  Result<const std::string*> find(const std::string& path) const {
    auto normal = normalizeSourcePath(path, "memory");
    if (!normal) return tl::unexpected(normal.error());
    auto found = files_.find(*normal);
    if (found == files_.end()) return logicError("find", path, ENOENT);
    return &found->second;
  }
  std::map<std::string, std::string> files_;
};

}  // namespace agent::image
