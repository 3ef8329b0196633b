#include "TarBlobSource.h"

#include <unistd.h>

#include "SourcePath.h"

namespace agent::image {

Result<std::string> readRange(int fd, uint64_t offset, uint64_t length, const std::string& what) {
  std::string bytes(length, '\0');
  size_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, bytes.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return systemError("read", what);
    if (n == 0) return logicError("read (the file ended early: truncated or changed while read)", what, EIO);
    done += static_cast<size_t>(n);
  }
  return bytes;
}

TarBlobSource::TarBlobSource(UniqueFd file, std::string tarPath, TarIndex index)
    : file_(std::move(file)), tarPath_(std::move(tarPath)), index_(std::move(index)) {}

Result<std::unique_ptr<TarBlobSource>> TarBlobSource::open(UniqueFd file, const std::string& tarPath) {
  auto index = TarIndex::build(file.get(), tarPath);
  if (!index) return tl::unexpected(index.error());
  return std::unique_ptr<TarBlobSource>(new TarBlobSource(std::move(file), tarPath, std::move(*index)));
}

bool TarBlobSource::exists(const std::string& path) const {
  auto normal = normalizeSourcePath(path, tarPath_);
  return normal && index_.resolve(*normal).has_value();
}

Result<BlobRange> TarBlobSource::range(const std::string& path) const {
  auto normal = normalizeSourcePath(path, tarPath_);
  if (!normal) return tl::unexpected(normal.error());
  auto member = index_.resolve(*normal);
  if (!member) return tl::unexpected(member.error());
  return BlobRange{file_.get(), (*member)->offset, (*member)->size};
}

Result<std::string> TarBlobSource::read(const std::string& path, size_t maxBytes) const {
  auto where = range(path);
  if (!where) return tl::unexpected(where.error());
  if (where->length > maxBytes)
    return logicError("read (" + std::to_string(where->length) + " bytes, more than the " + std::to_string(maxBytes) +
                          " such a file may have) in `" + tarPath_ + "` the member",
                      path, EFBIG);
  return readRange(file_.get(), where->offset, where->length, tarPath_ + ":" + path);
}

}  // namespace agent::image
