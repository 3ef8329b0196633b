// Any image source's JSON (index.json, manifest.json, repositories, oci-layout, manifests,
// indexes, configs) through planLoad over an in-memory source: no crash, no sanitizer report;
// a refusal is one sentence; a plan has as many layers as diff_ids, valid digests, and a
// config whose digest is its id.
//
// Input: files separated by "\n===\n", each "PATH\nCONTENT" (PATH "-": a blob only). Every
// file is also stored as blobs/sha256/<its digest>, and in a file's content "<Dn>", "<Hn>",
// "<Sn>" stand for the digest, its hex digits and the size of file n (n = 1..9, a later file: files are stored from the
// last), so the fuzzer can link documents by digest as real layouts do.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "LoadPlan.h"
#include "MemoryBlobSource.h"

using namespace agent::image;

namespace {

std::vector<std::string> splitFiles(std::string_view input) {
  std::vector<std::string> files;
  constexpr std::string_view kSeparator = "\n===\n";
  size_t start = 0;
  while (files.size() < 10) {
    size_t end = input.find(kSeparator, start);
    files.emplace_back(input.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + kSeparator.size();
  }
  return files;
}

void replaceAll(std::string& text, const std::string& token, const std::string& value) {
  for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size()))
    text.replace(at, token.size(), value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  auto files = splitFiles(std::string_view(reinterpret_cast<const char*>(data), size));
  std::vector<std::string> digests(files.size()), sizes(files.size());
  MemoryBlobSource source;
  for (size_t i = files.size(); i-- > 0;) {
    size_t newline = files[i].find('\n');
    std::string path = files[i].substr(0, newline);
    std::string content = newline == std::string::npos ? "" : files[i].substr(newline + 1);
    for (size_t n = i + 1; n < files.size(); ++n) {
      replaceAll(content, "<D" + std::to_string(n) + ">", digests[n]);
      replaceAll(content, "<H" + std::to_string(n) + ">", std::string(digestHex(digests[n])));
      replaceAll(content, "<S" + std::to_string(n) + ">", sizes[n]);
    }
    digests[i] = source.blob(content);
    sizes[i] = std::to_string(content.size());
    if (path != "-" && !path.empty() && path.find('\0') == std::string::npos) source.file(path, content);
  }
  auto plan = planLoad(source);
  if (!plan) {
    if (plan.error().message().empty()) std::abort();
    return 0;
  }
  for (const auto& image : *plan) {
    if (image.layers.size() != image.config.diffIds.size()) std::abort();
    if (image.configDigest != sha256Digest(image.configJson)) std::abort();
    if (image.format != "docker-archive" && image.format != "docker-archive-oci" && image.format != "oci-layout")
      std::abort();
    for (size_t i = 0; i < image.layers.size(); ++i) {
      const auto& layer = image.layers[i];
      if (layer.diffId != image.config.diffIds[i] || !isSha256Digest(layer.diffId)) std::abort();
      if (!layer.digest.empty() && !isSha256Digest(layer.digest)) std::abort();
      if (!source.exists(layer.path)) std::abort();
      auto normal = normalizeSourcePath(layer.path, "plan");  // nothing outside the source
      if (!normal || *normal != layer.path) std::abort();
    }
  }
  return 0;
}
