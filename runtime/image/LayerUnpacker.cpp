#include "LayerUnpacker.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "LayerArchive.h"
#include "LayerStream.h"
#include "LayerTree.h"
#include "LayerWriter.h"
#include "UniqueFd.h"

namespace agent::image {

namespace {

// Every entry written into `root`, then the rest of the stream read: the diff_id covers all of
// the tar, the padding after its end-of-archive blocks too. Returns the regular files' bytes.
Result<uint64_t> fill(LayerStream& stream, int root) {
  LayerArchive archive(stream);
  LayerWriter writer(root);
  while (true) {
    auto entry = archive.next();
    if (!entry) return tl::unexpected(entry.error());
    if (!*entry) break;
    auto file = writer.add(**entry);
    if (!file) return tl::unexpected(file.error());
    if (!*file) continue;  // libarchive skips what is not read
    auto copied = archive.copyData((*file)->get(), (*entry)->path);
    if (!copied) return tl::unexpected(copied.error());
    auto completed = writer.completeFile(**entry, (*file)->get(), copied->extent, copied->sparse);
    if (!completed) return tl::unexpected(completed.error());
  }
  std::vector<char> rest(64 * 1024);
  while (true) {
    auto n = stream.read(rest);
    if (!n) return tl::unexpected(n.error());
    if (*n == 0) break;
  }
  if (auto finished = writer.finish(); !finished) return tl::unexpected(finished.error());
  return writer.fileBytes();
}

// The sentence a user reads: the layer by its digest (the rest of the blob is hashed for it),
// what was wrong, and that nothing of it stayed.
Error layerFailure(LayerStream& stream, const Error& cause, bool removed, const std::string& dir) {
  std::string layer = "layer";
  if (stream.hashRest()) layer += " " + stream.storedDigest();
  Error error = cause;
  error.action =
      layer + " " + cause.message() +
      (removed ? "; nothing of it was kept" : "; removing what was unpacked of it at " + dir + " failed too");
  error.path.clear();
  error.sentence = true;
  return error;
}

// Removes the layer directory unless the unpacking succeeded, exceptions included.
class RemoveUnlessKept {
 public:
  explicit RemoveUnlessKept(const std::string& dir) : dir_(dir) {}
  ~RemoveUnlessKept() {
    if (!kept_) removeTreeAt(AT_FDCWD, dir_.c_str());
  }
  bool removeNow() {
    kept_ = true;
    return removeTreeAt(AT_FDCWD, dir_.c_str());
  }
  void keep() { kept_ = true; }

 private:
  const std::string& dir_;
  bool kept_ = false;
};

}  // namespace

Result<UnpackedLayer> unpackLayer(int fd, uint64_t offset, uint64_t length, const std::string& dir) {
  // 0700 while it is filled: nothing else may reach into it meanwhile. Its mode is the
  // layer's root entry's (0755 without one) at the end.
  if (::mkdir(dir.c_str(), 0700) != 0) return systemError("create the directory for a layer", dir);
  RemoveUnlessKept guard(dir);
  UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root.valid()) return systemError("open the directory for a layer", dir);
  LayerStream stream(fd, offset, length);
  stream.guardSpace(root.get());
  auto fileBytes = fill(stream, root.get());
  if (!fileBytes) {
    root.reset();
    bool removed = guard.removeNow();
    return tl::unexpected(layerFailure(stream, fileBytes.error(), removed, dir));
  }
  guard.keep();
  UnpackedLayer layer;
  layer.digest = stream.storedDigest();
  layer.diffId = stream.tarDigest();
  layer.storedBytes = stream.storedBytes();
  layer.tarBytes = stream.tarBytes();
  layer.fileBytes = *fileBytes;
  return layer;
}

}  // namespace agent::image
