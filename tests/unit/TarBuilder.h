#pragma once
// Tar files written by libarchive (pax, as `docker save` and skopeo write them), member by
// member, for the tests of the tar image source.
#include <archive.h>
#include <archive_entry.h>

#include <stdexcept>
#include <string>

namespace agent::image {

class TarBuilder {
 public:
  explicit TarBuilder(const std::string& path) : writer_(archive_write_new()) {
    archive_write_set_format_pax_restricted(writer_);
    if (archive_write_open_filename(writer_, path.c_str()) != ARCHIVE_OK) throw std::runtime_error("open " + path);
  }
  ~TarBuilder() { close(); }
  TarBuilder& file(const std::string& name, const std::string& data) { return add(name, AE_IFREG, data, "", ""); }
  TarBuilder& dir(const std::string& name) { return add(name, AE_IFDIR, "", "", ""); }
  TarBuilder& symlink(const std::string& name, const std::string& target) {
    return add(name, AE_IFLNK, "", target, "");
  }
  TarBuilder& hardlink(const std::string& name, const std::string& target) {
    return add(name, AE_IFREG, "", "", target);
  }
  void close() {
    if (writer_ == nullptr) return;
    archive_write_close(writer_);
    archive_write_free(writer_);
    writer_ = nullptr;
  }

 private:
  TarBuilder& add(const std::string& name, unsigned type, const std::string& data, const std::string& symlink,
                  const std::string& hardlink) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, type);
    archive_entry_set_perm(entry, type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
    if (!symlink.empty()) archive_entry_set_symlink(entry, symlink.c_str());
    if (!hardlink.empty()) {
      archive_entry_set_hardlink(entry, hardlink.c_str());
      archive_entry_set_size(entry, 0);
    }
    archive_write_header(writer_, entry);
    if (!data.empty()) archive_write_data(writer_, data.data(), data.size());
    archive_entry_free(entry);
    return *this;
  }
  archive* writer_;
};

}  // namespace agent::image
