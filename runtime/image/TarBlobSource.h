#pragma once
// An image source that is one uncompressed tar file: indexed once, members read by range.
#include "BlobSource.h"
#include "TarIndex.h"
#include "UniqueFd.h"

namespace agent::image {

class TarBlobSource : public BlobSource {
 public:
  // Takes the open tar file; indexes it (moving the fd's position) and keeps it for pread.
  static Result<std::unique_ptr<TarBlobSource>> open(UniqueFd file, const std::string& tarPath);

  bool exists(const std::string& path) const override;
  Result<std::string> read(const std::string& path, size_t maxBytes) const override;
  Result<BlobRange> range(const std::string& path) const override;
  std::string origin() const override { return tarPath_; }

 private:
  TarBlobSource(UniqueFd file, std::string tarPath, TarIndex index);
  UniqueFd file_;
  std::string tarPath_;
  TarIndex index_;
};

// Reads `length` bytes at `offset` of `fd` (pread, the position untouched); `what` names the
// file for messages. A short file is an error (the file changed or is truncated).
Result<std::string> readRange(int fd, uint64_t offset, uint64_t length, const std::string& what);

}  // namespace agent::image
