#pragma once
// A layer's tar read entry by entry with libarchive (ustar, pax with its xattrs, GNU long
// names and sparse files) from a LayerStream, each entry turned into a LayerEntry with its
// path checked (LayerPath). libarchive's own decompression filters are not enabled: the
// stream is decoded (and hashed) by LayerStream only.
#include <archive.h>

#include <optional>
#include <string>
#include <vector>

#include "Error.h"
#include "LayerStream.h"
#include "LayerWriter.h"

namespace agent::image {

class LayerArchive {
 public:
  explicit LayerArchive(LayerStream& stream);
  ~LayerArchive();
  LayerArchive(const LayerArchive&) = delete;
  LayerArchive& operator=(const LayerArchive&) = delete;

  // The next entry; nullopt after the end-of-archive blocks. Refusals follow "layer <digest> ".
  Result<std::optional<LayerEntry>> next();

  struct CopiedData {
    uint64_t extent = 0;  // end of the last byte written: the size for a file that is not sparse
    bool sparse = false;
  };
  // Writes the current entry's data into `fd` (holes of a sparse file left unwritten).
  Result<CopiedData> copyData(int fd, const std::string& path);

 private:
  static la_ssize_t readCallback(archive* reader, void* self, const void** buffer);
  // The stream's own error when it caused libarchive's, else libarchive's text.
  Error failure(const std::string& what) const;
  std::string notATar() const;
  bool endsBeforePadding(const CopiedData& copied) const;

  archive* reader_;
  archive_entry* current_ = nullptr;
  LayerStream& stream_;
  std::vector<char> buffer_;
  std::optional<Error> streamError_;
  bool opened_ = false;
  // The tar ended right after the last entry's data, before its padding: see copyData.
  bool endedAfterData_ = false;
  std::string lastName_;
};

}  // namespace agent::image
