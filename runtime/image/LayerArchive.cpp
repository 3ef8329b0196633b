#include "LayerArchive.h"

#include <archive_entry.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <new>

#include "LayerErrors.h"
#include "LayerPath.h"

namespace agent::image {

namespace {

constexpr size_t kBufferSize = 256 * 1024;

Result<LayerEntry::Type> typeOf(archive_entry* entry, const std::string& name) {
  if (archive_entry_hardlink(entry) != nullptr) return LayerEntry::Type::HardLink;
  switch (archive_entry_filetype(entry)) {
    case AE_IFREG:
      return LayerEntry::Type::File;
    case AE_IFDIR:
      return LayerEntry::Type::Directory;
    case AE_IFLNK:
      return LayerEntry::Type::Symlink;
    case AE_IFCHR:
      return LayerEntry::Type::CharDevice;
    case AE_IFBLK:
      return LayerEntry::Type::BlockDevice;
    case AE_IFIFO:
      return LayerEntry::Type::Fifo;
    default:
      break;
  }
  return entryRefused(name, "is of a type a layer cannot hold (a socket, or unknown)");
}

}  // namespace

LayerArchive::LayerArchive(LayerStream& stream) : reader_(archive_read_new()), stream_(stream), buffer_(kBufferSize) {
  if (reader_ == nullptr) throw std::bad_alloc();
  archive_read_support_format_tar(reader_);  // ustar, pax, GNU
  archive_read_support_format_gnutar(reader_);
  archive_read_support_format_empty(reader_);  // a layer of zero bytes holds nothing
}

LayerArchive::~LayerArchive() {
  archive_read_free(reader_);
}

la_ssize_t LayerArchive::readCallback(archive* reader, void* data, const void** buffer) {
  auto* self = static_cast<LayerArchive*>(data);
  // No exception may cross libarchive's C frames.
  try {
    auto n = self->stream_.read(self->buffer_);
    if (!n) {
      self->streamError_ = n.error();
      archive_set_error(reader, EIO, "the layer's stream failed");
      return -1;
    }
    *buffer = self->buffer_.data();
    return static_cast<la_ssize_t>(*n);
  } catch (const std::exception& e) {
    self->streamError_ = Error{ENOMEM, "", std::string("could not be read: ") + e.what(), true};
    archive_set_error(reader, ENOMEM, "%s", e.what());
    return -1;
  }
}

std::string LayerArchive::notATar() const {
  if (stream_.compression() == LayerCompression::None) return "is not a tar archive, nor gzip or zstd";
  return "holds no tar archive in its " + std::string(compressionName(stream_.compression())) + " stream";
}

Error LayerArchive::failure(const std::string& what) const {
  if (streamError_) return *streamError_;
  const char* text = archive_error_string(reader_);
  return Error{EINVAL, "", what + " (" + (text != nullptr ? text : "libarchive gave no reason") + ")", true};
}

Result<std::optional<LayerEntry>> LayerArchive::next() {
  if (!opened_) {
    if (archive_read_open(reader_, this, nullptr, readCallback, nullptr) != ARCHIVE_OK)
      return tl::unexpected(failure(notATar()));
    opened_ = true;
  }
  if (endedAfterData_) return std::nullopt;
  int rc = archive_read_next_header(reader_, &current_);
  if (rc == ARCHIVE_EOF) return std::nullopt;
  if (rc < ARCHIVE_WARN) {
    std::string where =
        lastName_.empty() ? notATar() : "has a broken tar header after entry '" + shownName(lastName_) + "'";
    return tl::unexpected(failure(where));
  }
  const char* rawName = archive_entry_pathname(current_);
  if (rawName == nullptr)
    return tl::unexpected(failure("has an entry without a name after '" + shownName(lastName_) + "'"));
  lastName_ = rawName;
  LayerEntry entry;
  auto path = layerPathOf(lastName_);
  if (!path) return entryRefused(lastName_, path.error().action);
  entry.path = std::move(*path);
  auto type = typeOf(current_, lastName_);
  if (!type) return tl::unexpected(type.error());
  entry.type = *type;
  if (entry.type == LayerEntry::Type::HardLink) entry.linkName = archive_entry_hardlink(current_);
  if (entry.type == LayerEntry::Type::Symlink) {
    const char* target = archive_entry_symlink(current_);
    entry.linkName = target != nullptr ? target : "";
  }
  la_int64_t uid = archive_entry_uid(current_), gid = archive_entry_gid(current_);
  constexpr la_int64_t kMaxId = std::numeric_limits<uint32_t>::max() - 1;  // (uid_t)-1 means "unchanged"
  if (uid < 0 || uid > kMaxId || gid < 0 || gid > kMaxId)
    return entryRefused(
        lastName_, "has an owner outside the 32-bit ids (" + std::to_string(uid) + ":" + std::to_string(gid) + ")");
  entry.uid = static_cast<uid_t>(uid);
  entry.gid = static_cast<gid_t>(gid);
  entry.mode = static_cast<mode_t>(archive_entry_perm(current_) & 07777);
  entry.mtime = {static_cast<time_t>(archive_entry_mtime(current_)), archive_entry_mtime_nsec(current_)};
  entry.atime = archive_entry_atime_is_set(current_)
                    ? timespec{static_cast<time_t>(archive_entry_atime(current_)), archive_entry_atime_nsec(current_)}
                    : entry.mtime;
  if (entry.type == LayerEntry::Type::CharDevice || entry.type == LayerEntry::Type::BlockDevice)
    entry.device = makedev(archive_entry_rdevmajor(current_), archive_entry_rdevminor(current_));
  la_int64_t size = archive_entry_size(current_);
  entry.size = size > 0 ? static_cast<uint64_t>(size) : 0;
  archive_entry_xattr_reset(current_);
  const char* name;
  const void* value;
  size_t valueSize;
  while (archive_entry_xattr_next(current_, &name, &value, &valueSize) == ARCHIVE_OK) {
    entry.xattrs.emplace_back(name, std::string(static_cast<const char*>(value), valueSize));
  }
  return std::optional<LayerEntry>(std::move(entry));
}

// umoci 0.4.7's `insert` writes layers whose tar stops right after the last file's data:
// no padding to 512 bytes, no end-of-archive blocks. Go's archive/tar (Docker, containerd,
// umoci itself) takes an end of input exactly there as the end of the archive, and so do
// we; an end inside the data, or inside the padding, stays a truncated layer.
bool LayerArchive::endsBeforePadding(const CopiedData& copied) const {
  la_int64_t size = archive_entry_size(current_);
  return !streamError_ && stream_.ended() && !copied.sparse && size > 0 && size % 512 != 0 &&
         copied.extent == static_cast<uint64_t>(size) && stream_.tarBytes() % 512 == static_cast<uint64_t>(size) % 512;
}

Result<LayerArchive::CopiedData> LayerArchive::copyData(int fd, const std::string& path) {
  CopiedData copied;
  copied.sparse = archive_entry_sparse_count(current_) > 0;
  while (true) {
    const void* block;
    size_t size;
    la_int64_t offset;
    int rc = archive_read_data_block(reader_, &block, &size, &offset);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN || offset < 0) {
      if (endsBeforePadding(copied)) {
        endedAfterData_ = true;
        break;
      }
      Error error = failure("entry '" + shownName(path) + "' is cut short or its data is broken");
      return tl::unexpected(error);
    }
    const char* bytes = static_cast<const char*>(block);
    size_t done = 0;
    while (done < size) {
      ssize_t n = ::pwrite(fd, bytes + done, size - done, static_cast<off_t>(offset) + static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return entryFailed(path, "cannot be written");
      done += static_cast<size_t>(n);
    }
    copied.extent = std::max<uint64_t>(copied.extent, static_cast<uint64_t>(offset) + size);
  }
  return copied;
}

}  // namespace agent::image
