// Any bytes as a layer blob (plain tar, gzip or zstd by its first bytes; the seeds in
// fuzz/corpus/layer_unpack hold each, with whiteouts, links and escapes): no crash, no
// sanitizer report, nothing written outside the layer's directory (a bait file beside it
// keeps its bytes and the scratch directory holds nothing else), a refusal leaves no
// directory and is one line naming the layer, an accepted layer holds no `.wh.` name.
// Everything is written under a temporary directory in /tmp, removed at exit.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "LayerUnpacker.h"
#include "Sha256.h"

namespace fs = std::filesystem;

namespace {

const std::string& scratch() {
  // Never destroyed: the exit handler that removes it runs after static destructors.
  static const std::string* path = [] {
    char name[] = "/tmp/layer-fuzz-XXXXXX";
    if (::mkdtemp(name) == nullptr) std::abort();
    std::ofstream(std::string(name) + "/bait") << "bait";
    std::atexit([] { fs::remove_all(scratch()); });
    return new std::string(name);
  }();
  return *path;
}

void checkNothingOutside(bool layerMayExist) {
  size_t count = 0;
  for (const auto& item : fs::directory_iterator(scratch())) {
    std::string name = item.path().filename();
    if (name != "bait" && !(layerMayExist && name == "layer")) std::abort();
    ++count;
  }
  std::ifstream bait(scratch() + "/bait");
  std::string bytes((std::istreambuf_iterator<char>(bait)), std::istreambuf_iterator<char>());
  if (bytes != "bait" || count > 2) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string dir = scratch() + "/layer";
  int fd = ::memfd_create("layer", MFD_CLOEXEC);
  if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size)) std::abort();
  auto layer = agent::image::unpackLayer(fd, 0, size, dir);
  ::close(fd);
  if (!layer) {
    std::string message = layer.error().message();
    if (fs::exists(fs::symlink_status(dir)) || message.rfind("layer", 0) != 0 ||
        message.find('\n') != std::string::npos)
      std::abort();
    checkNothingOutside(false);
    return 0;
  }
  if (layer->storedBytes != size || !agent::image::isSha256Digest(layer->diffId)) std::abort();
  for (const auto& item : fs::recursive_directory_iterator(dir)) {
    if (item.path().filename().string().rfind(".wh.", 0) == 0) std::abort();
  }
  checkNothingOutside(true);
  fs::remove_all(dir);
  return 0;
}
