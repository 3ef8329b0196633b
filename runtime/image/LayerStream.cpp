#include "LayerStream.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace agent::image {

namespace {
constexpr size_t kReadSize = 256 * 1024;

std::string mebibytes(uint64_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}
}  // namespace

uint64_t spaceReserveBytes(uint64_t filesystemBytes) {
  return std::min<uint64_t>(filesystemBytes / 20, uint64_t{1} << 30);
}

Result<void> LayerStream::checkSpace() {
  if (spaceFd_ < 0 || tarBytes_ < nextSpaceCheck_) return {};
  nextSpaceCheck_ = tarBytes_ + kSpaceCheckBytes;
  struct statvfs fs {};
  if (::fstatvfs(spaceFd_, &fs) != 0) return {};  // not knowing is no reason to refuse
  uint64_t available = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  uint64_t reserve = spaceReserveBytes(static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize);
  if (available >= reserve) return {};
  return userError("would fill the image store's filesystem: after " + mebibytes(tarBytes_) + " of its tar (from " +
                       mebibytes(storedBytes_) + " stored), " + mebibytes(available) +
                       " are left free and agentd keeps " + mebibytes(reserve) +
                       "; free space there, or give agentd a data directory with room",
                   ENOSPC);
}

LayerStream::LayerStream(int fd, uint64_t offset, uint64_t length)
    : fd_(fd), offset_(offset), length_(length), buffer_(kReadSize) {}

Result<void> LayerStream::refill() {
  size_t want = static_cast<size_t>(std::min<uint64_t>(buffer_.size(), length_ - storedBytes_));
  ssize_t n;
  do {
    n = ::pread(fd_, buffer_.data(), want, static_cast<off_t>(offset_ + storedBytes_));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return systemError("cannot be read from its file", "");
  if (n == 0) {
    return userError("is cut short: its file ends after " + std::to_string(storedBytes_) + " of its " +
                     std::to_string(length_) + " bytes");
  }
  storedHash_.update(buffer_.data(), static_cast<size_t>(n));
  storedBytes_ += static_cast<uint64_t>(n);
  pending_ = std::string_view(buffer_.data(), static_cast<size_t>(n));
  return {};
}

Result<size_t> LayerStream::read(std::span<char> output) {
  if (ended_ || output.empty()) return 0;
  if (!decoder_) {
    if (length_ > 0) {
      if (auto filled = refill(); !filled) return tl::unexpected(filled.error());
    }
    compression_ = compressionOf(pending_);
    decoder_ = makeLayerDecoder(compression_);
  }
  while (true) {
    size_t before = pending_.size();
    auto produced = decoder_->decode(pending_, output);
    if (!produced) return tl::unexpected(produced.error());
    if (*produced > 0) {
      tarHash_.update(output.data(), *produced);
      tarBytes_ += *produced;
      if (auto room = checkSpace(); !room) return tl::unexpected(room.error());
      return *produced;
    }
    if (pending_.size() < before) continue;  // a header consumed, nothing out yet
    if (!pending_.empty()) return userError("could not be decoded: the decompressor stopped making progress");
    if (storedBytes_ < length_) {
      if (auto filled = refill(); !filled) return tl::unexpected(filled.error());
      continue;
    }
    if (auto finished = decoder_->finish(); !finished) return tl::unexpected(finished.error());
    ended_ = true;
    return 0;
  }
}

Result<void> LayerStream::hashRest() {
  pending_ = {};
  while (storedBytes_ < length_) {
    if (auto filled = refill(); !filled) return filled;
  }
  pending_ = {};
  return {};
}

const std::string& LayerStream::storedDigest() {
  if (storedDigest_.empty()) storedDigest_ = storedHash_.digest();
  return storedDigest_;
}

const std::string& LayerStream::tarDigest() {
  if (tarDigest_.empty()) tarDigest_ = tarHash_.digest();
  return tarDigest_;
}

}  // namespace agent::image
