#include "ImageUpload.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace agent {

using nlohmann::json;

namespace {

// "2156032 bytes (2.2 MB)": exact, and readable.
std::string sizeText(uint64_t bytes) {
  char text[64];
  std::snprintf(text, sizeof text, "%llu bytes (%.1f MB)", static_cast<unsigned long long>(bytes),
                static_cast<double>(bytes) / 1e6);
  return text;
}

bool isTar(std::string contentType) {
  contentType = contentType.substr(0, contentType.find(';'));
  while (!contentType.empty() && contentType.back() == ' ') contentType.pop_back();
  for (char& c : contentType) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return contentType == "application/x-tar";
}

std::string overLimit(uint64_t maxBytes) {
  return " agentd takes at most " + sizeText(maxBytes) +
         " in one upload (`max_image_upload`, docs/agentd.md): raise it, or copy the archive to agentd's host "
         "and load it there";
}

uint64_t freeBytesOf(const std::string& dir) {
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0) return 0;
  return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
}

HttpServerReply refusal(int status, const std::string& code, const std::string& message) {
  return toServerReply(errorResponse(status, code, message));
}

}  // namespace

Result<void> checkUploadSize(uint64_t announced, uint64_t maxBytes, uint64_t freeBytes) {
  if (announced > maxBytes)
    return userError("the archive is " + sizeText(announced) + ";" + overLimit(maxBytes), EFBIG);
  if (announced > freeBytes)
    return userError("the archive is " + sizeText(announced) + " and agentd's data dir has " + sizeText(freeBytes) +
                         " free; free some (agentctl image prune) and load it again",
                     EFBIG);
  return {};
}

Result<std::shared_ptr<UploadSpool>> UploadSpool::open(const std::string& dir, uint64_t maxBytes) {
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd.valid() && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    std::string name = dir + "/upload-XXXXXX";
    fd = UniqueFd(::mkostemp(name.data(), O_CLOEXEC));
    if (fd.valid()) ::unlink(name.c_str());
  }
  if (!fd.valid()) return systemError("make a file for the upload in", dir);
  return std::shared_ptr<UploadSpool>(new UploadSpool(std::move(fd), maxBytes));
}

std::optional<HttpServerReply> UploadSpool::write(const char* data, size_t size) {
  if (bytes_ + size > maxBytes_)
    return refusal(413, "too_large", "the archive is over " + sizeText(maxBytes_) + ";" + overLimit(maxBytes_));
  // On the epoll thread: a write of at most the connection's buffer (8 KiB) to the page cache.
  while (size > 0) {
    ssize_t n = ::write(fd_.get(), data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      if (err == ENOSPC || err == EDQUOT)
        return refusal(507, "insufficient_storage",
                       "agentd's data dir filled up after " + sizeText(bytes_) +
                           " of the archive; free some (agentctl image prune) and load it again");
      return refusal(500, "internal", "cannot write the upload to agentd's data dir: " + std::string(strerror(err)));
    }
    data += n;
    size -= static_cast<size_t>(n);
    bytes_ += static_cast<uint64_t>(n);
  }
  return std::nullopt;
}

BodyIntake imageUploadIntake(const ImageUploadLimits& limits, const HttpRequest& head, const HttpServerRequest& raw) {
  if (head.method != "POST" || head.path != std::vector<std::string>{"v1", "images", "load"} ||
      !isTar(raw.header("content-type")))
    return {};
  std::string length = raw.header("content-length");
  if (!length.empty()) {
    if (auto fits =
            checkUploadSize(std::strtoull(length.c_str(), nullptr, 10), limits.maxBytes, freeBytesOf(limits.spoolDir));
        !fits)
      return {errorResponse(413, "too_large", fits.error().message()), nullptr};
  }
  auto spool = UploadSpool::open(limits.spoolDir, limits.maxBytes);
  if (!spool) return {errorResponse(500, "internal", spool.error().message()), nullptr};
  return {std::nullopt, std::move(*spool)};
}

HttpResponse loadUploadedImage(image::LayeredImageStore& store, const HttpRequest& request) {
  auto spool = std::dynamic_pointer_cast<UploadSpool>(request.upload);
  if (!spool) return errorResponse(500, "internal", "the upload's spool is missing");
  if (spool->bytes() == 0)
    return errorResponse(400, "invalid",
                         "the upload is empty; send a docker save archive or an OCI layout (as a tar) as the body");
  HttpResponse response;
  response.status = 200;
  response.contentType = "application/json";
  response.stream = [&store, spool](HttpReplyStream& out) {
    auto send = [&out](const json& line) {
      out.write(line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
    };
    send({{"status", "received " + sizeText(spool->bytes())}});
    auto loaded = store.load(spool->path(), [&send](const std::string& step) { send({{"status", step}}); });
    if (!loaded) {
      // The spool's path means nothing to the client: its archive is "the upload".
      std::string message = loaded.error().message();
      for (size_t at; (at = message.find(spool->path())) != std::string::npos;)
        message.replace(at, spool->path().size(), "the upload");
      HttpResponse error = errorResponse(loaded.error());
      send({{"error", message}, {"code", error.body.value("code", "internal")}});
      return;
    }
    json images = json::array();
    for (const auto& image : *loaded) {
      if (image.names.empty()) send({{"stream", "Loaded image ID: " + image.id + "\n"}});
      for (const auto& name : image.names) send({{"stream", "Loaded image: " + name + "\n"}});
      images.push_back({{"id", image.id},
                        {"names", image.names},
                        {"layers", image.layers},
                        {"layers_new", image.layersNew},
                        {"file_bytes_new", image.fileBytesNew}});
    }
    send({{"images", images}});
  };
  return response;
}

}  // namespace agent
