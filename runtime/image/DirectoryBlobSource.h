#pragma once
// An image source that is a directory (an OCI image layout): files opened inside it only.
#include <mutex>
#include <vector>

#include "BlobSource.h"
#include "UniqueFd.h"

namespace agent::image {

class DirectoryBlobSource : public BlobSource {
 public:
  static Result<std::unique_ptr<DirectoryBlobSource>> open(const std::string& directory);

  bool exists(const std::string& path) const override;
  Result<std::string> read(const std::string& path, size_t maxBytes) const override;
  Result<BlobRange> range(const std::string& path) const override;
  std::string origin() const override { return directory_; }

 private:
  DirectoryBlobSource(UniqueFd root, std::string directory)
      : root_(std::move(root)), directory_(std::move(directory)) {}
  // The regular file `path` names, opened with its symlinks resolved inside the directory.
  Result<UniqueFd> openFile(const std::string& path) const;

  UniqueFd root_;
  std::string directory_;
  mutable std::mutex mutex_;
  mutable std::vector<UniqueFd> rangeFiles_;  // the fds handed out by range(), kept open with the source
};

}  // namespace agent::image
