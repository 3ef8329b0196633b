#include "DirectoryBlobSource.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "SourcePath.h"
#include "TarBlobSource.h"

namespace agent::image {

Result<std::unique_ptr<DirectoryBlobSource>> DirectoryBlobSource::open(const std::string& directory) {
  UniqueFd root(::open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return systemError("open the image layout directory", directory);
  return std::unique_ptr<DirectoryBlobSource>(new DirectoryBlobSource(std::move(root), directory));
}

Result<UniqueFd> DirectoryBlobSource::openFile(const std::string& path) const {
  auto normal = normalizeSourcePath(path, directory_);
  if (!normal) return tl::unexpected(normal.error());
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;  // O_NONBLOCK: a FIFO planted there does not hang us
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd file(static_cast<int>(::syscall(SYS_openat2, root_.get(), normal->c_str(), &how, sizeof how)));
  if (!file.valid()) return systemError("open in `" + directory_ + "` the file", *normal);
  struct stat status {};
  if (::fstat(file.get(), &status) != 0) return systemError("stat", directory_ + "/" + *normal);
  if (!S_ISREG(status.st_mode))
    return userError("`" + *normal + "` in `" + directory_ + "` is not a regular file; an image layout holds files");
  return file;
}

bool DirectoryBlobSource::exists(const std::string& path) const {
  return openFile(path).has_value();
}

Result<BlobRange> DirectoryBlobSource::range(const std::string& path) const {
  auto file = openFile(path);
  if (!file) return tl::unexpected(file.error());
  struct stat status {};
  if (::fstat(file->get(), &status) != 0) return systemError("stat", directory_ + "/" + path);
  BlobRange range{file->get(), 0, static_cast<uint64_t>(status.st_size)};
  std::lock_guard lock(mutex_);
  rangeFiles_.push_back(std::move(*file));
  return range;
}

Result<std::string> DirectoryBlobSource::read(const std::string& path, size_t maxBytes) const {
  auto file = openFile(path);
  if (!file) return tl::unexpected(file.error());
  struct stat status {};
  if (::fstat(file->get(), &status) != 0) return systemError("stat", directory_ + "/" + path);
  auto size = static_cast<uint64_t>(status.st_size);
  if (size > maxBytes)
    return logicError("read (" + std::to_string(size) + " bytes, more than the " + std::to_string(maxBytes) +
                          " such a file may have) in `" + directory_ + "` the file",
                      path, EFBIG);
  return readRange(file->get(), 0, size, directory_ + "/" + path);
}

}  // namespace agent::image
