#include "BlobSource.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <string_view>

#include "DirectoryBlobSource.h"
#include "TarBlobSource.h"

namespace agent::image {
namespace {

struct CompressionMagic {
  std::string_view name, magic, tool;
};
constexpr std::array<CompressionMagic, 4> kCompressions{{{"gzip", "\x1f\x8b", "gunzip"},
                                                         {"zstd", "\x28\xb5\x2f\xfd", "unzstd"},
                                                         {"xz", "\xfd\x37\x7a\x58\x5a\x00", "unxz"},
                                                         {"bzip2", "BZh", "bunzip2"}}};

// A compressed whole archive (`docker save | gzip`) is told by its first bytes and refused:
// layers are read by range from the file, and decompressing to a spool is the caller's call.
Result<void> refuseCompressed(int fd, const std::string& path) {
  char head[8] = {};
  ssize_t n = ::pread(fd, head, sizeof head, 0);
  if (n < 0) return systemError("read", path);
  std::string_view start(head, static_cast<size_t>(n));
  for (const auto& c : kCompressions) {
    if (start.substr(0, c.magic.size()) == c.magic)
      return userError("`" + path + "` is a " + std::string(c.name) +
                       "-compressed archive; image load reads an uncompressed tar (as `docker save` writes it): "
                       "decompress it first (`" +
                       std::string(c.tool) + " -k`) or pipe it (`" + std::string(c.tool) +
                       " -c FILE | agentctl image load`)");
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<BlobSource>> openImageSource(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return systemError("open the image source", path);
  if (S_ISDIR(status.st_mode)) {
    auto directory = DirectoryBlobSource::open(path);
    if (!directory) return tl::unexpected(directory.error());
    return std::unique_ptr<BlobSource>(std::move(*directory));
  }
  if (!S_ISREG(status.st_mode))
    return userError("`" + path + "` is neither a directory (an OCI layout) nor a regular file (a tar archive)");
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!file.valid()) return systemError("open the image archive", path);
  if (auto compressed = refuseCompressed(file.get(), path); !compressed) return tl::unexpected(compressed.error());
  auto tar = TarBlobSource::open(std::move(file), path);
  if (!tar) return tl::unexpected(tar.error());
  return std::unique_ptr<BlobSource>(std::move(*tar));
}

}  // namespace agent::image
