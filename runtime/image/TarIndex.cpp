#include "TarIndex.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace agent::image {
namespace {

// Symlink hops allowed while resolving one path, as the kernel's MAXSYMLINKS.
constexpr int kMaxLinkHops = 40;

struct FdReader {
  int fd;
  uint64_t fileBytes;
  std::vector<char> buffer = std::vector<char>(64 * 1024);
};

la_ssize_t readBlock(archive*, void* data, const void** block) {
  auto* reader = static_cast<FdReader*>(data);
  ssize_t n;
  do n = ::read(reader->fd, reader->buffer.data(), reader->buffer.size());
  while (n < 0 && errno == EINTR);
  *block = reader->buffer.data();
  return n;
}

la_int64_t seekTo(archive*, void* data, la_int64_t offset, int whence) {
  return ::lseek(static_cast<FdReader*>(data)->fd, offset, whence);
}

// Moves over data without reading it: what makes indexing a multi-gigabyte archive cheap.
// Never past the end: a skip cut short is how libarchive learns the archive is truncated.
la_int64_t skipOver(archive*, void* data, la_int64_t request) {
  auto* reader = static_cast<FdReader*>(data);
  off_t here = ::lseek(reader->fd, 0, SEEK_CUR);
  if (here < 0 || request < 0) return 0;
  auto room = static_cast<la_int64_t>(reader->fileBytes > static_cast<uint64_t>(here) ? reader->fileBytes - here : 0);
  la_int64_t step = std::min(request, room);
  return ::lseek(reader->fd, step, SEEK_CUR) < 0 ? 0 : step;
}

// A member's name as a lookup key: "./a//b/" -> "a/b"; "" for a name with `..`, which is not
// indexed: no lookup can name it.
std::string memberKey(std::string_view name) {
  std::string key;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part == "..") return "";
    if (!part.empty() && part != ".") {
      if (!key.empty()) key += '/';
      key += part;
    }
    start = end + 1;
  }
  return key;
}

std::vector<std::string> componentsReversed(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return {parts.rbegin(), parts.rend()};
}

}  // namespace

Result<TarIndex> TarIndex::build(int fd, const std::string& tarPath) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), archive_read_free);
  if (!reader) throw std::bad_alloc();
  archive_read_support_format_tar(reader.get());
  struct stat status {};
  if (::fstat(fd, &status) != 0) return systemError("stat", tarPath);
  FdReader source{fd, static_cast<uint64_t>(status.st_size)};
  archive_read_set_callback_data(reader.get(), &source);
  archive_read_set_read_callback(reader.get(), readBlock);
  archive_read_set_seek_callback(reader.get(), seekTo);
  archive_read_set_skip_callback(reader.get(), skipOver);
  auto refuse = [&](const std::string& what) {
    const char* why = archive_error_string(reader.get());
    return userError("`" + tarPath + "` " + what + (why ? std::string(": ") + why : std::string()) +
                     "; give a tar file as `docker save`, `skopeo copy` or `tar` writes it");
  };
  if (archive_read_open1(reader.get()) != ARCHIVE_OK) return refuse("is not a tar archive");
  TarIndex index;
  index.tarPath_ = tarPath;
  for (;;) {
    archive_entry* entry = nullptr;
    int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) {
      if (index.members_.empty()) return refuse("is not a tar archive");
      return refuse("is damaged after " + std::to_string(index.members_.size()) + " members");
    }
    TarMember member;
    // Once the header is read, what the tar reader consumed is exactly where the data starts.
    member.offset = static_cast<uint64_t>(archive_filter_bytes(reader.get(), 0));
    member.size = archive_entry_size_is_set(entry) ? static_cast<uint64_t>(archive_entry_size(entry)) : 0;
    if (const char* target = archive_entry_hardlink(entry)) {
      member.kind = TarMember::Kind::hardlink;
      member.linkTarget = target;
    } else if (archive_entry_filetype(entry) == AE_IFLNK) {
      member.kind = TarMember::Kind::symlink;
      member.linkTarget = archive_entry_symlink(entry) ? archive_entry_symlink(entry) : "";
    } else if (archive_entry_filetype(entry) == AE_IFDIR) {
      member.kind = TarMember::Kind::directory;
    } else if (archive_entry_filetype(entry) == AE_IFREG && archive_entry_sparse_count(entry) == 0) {
      member.kind = TarMember::Kind::file;  // a sparse file's data is not one range: left `other`
    }
    std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    if (archive_read_data_skip(reader.get()) != ARCHIVE_OK || member.offset + member.size > source.fileBytes)
      return refuse("ends inside the member `" + name + "` (truncated?)");
    std::string key = memberKey(name);
    if (!key.empty())
      index.members_[key] = std::move(member);  // a later member replaces one of the same name, as tar does
  }
  return index;
}

Result<const TarMember*> TarIndex::resolve(std::string_view path) const {
  std::vector<std::string> pending = componentsReversed(path);
  std::string current;  // the resolved directory so far, from the archive's root
  const TarMember* member = nullptr;
  int hops = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.back());
    pending.pop_back();
    member = nullptr;
    if (part == ".") continue;
    if (part == "..") {
      if (current.empty())
        return userError("`" + std::string(path) + "` in `" + tarPath_ +
                         "` leads through a link out of the archive; links are followed within it only");
      size_t slash = current.rfind('/');
      current = slash == std::string::npos ? "" : current.substr(0, slash);
      continue;
    }
    std::string next = current.empty() ? part : current + "/" + part;
    auto found = members_.find(next);
    if (found == members_.end()) {
      current = next;  // a directory the tar does not list on its own, or nothing: the end tells
      continue;
    }
    const TarMember& m = found->second;
    if (m.kind == TarMember::Kind::symlink || m.kind == TarMember::Kind::hardlink) {
      if (++hops > kMaxLinkHops)
        return userError("`" + std::string(path) + "` in `" + tarPath_ + "` goes through more than " +
                         std::to_string(kMaxLinkHops) + " links (a loop?)");
      // A hard link names its member from the archive's root; a symlink is relative to the
      // directory holding it unless absolute, and then the archive's root stands for `/`.
      if (m.kind == TarMember::Kind::hardlink || (!m.linkTarget.empty() && m.linkTarget.front() == '/'))
        current.clear();
      for (auto& step : componentsReversed(m.linkTarget)) pending.push_back(std::move(step));
      if (m.linkTarget.empty()) return userError("`" + next + "` in `" + tarPath_ + "` is a link to nothing");
      continue;
    }
    current = next;
    member = &m;
    if (!pending.empty() && m.kind != TarMember::Kind::directory)
      return logicError("find in `" + tarPath_ + "` (`" + next + "` is not a directory) the member", std::string(path),
                        ENOTDIR);
  }
  if (member == nullptr) return logicError("find in `" + tarPath_ + "` the member", std::string(path), ENOENT);
  if (member->kind != TarMember::Kind::file)
    return userError("`" + std::string(path) + "` in `" + tarPath_ + "` is not a regular file");
  return member;
}

}  // namespace agent::image
