#pragma once
// `image load` from a client on another host: POST /v1/images/load with the archive as the
// body (Content-Type: application/x-tar, as Docker's POST /images/load). The body goes to an
// unnamed file under DATA_DIR/uploads (never memory), then LayeredImageStore::load reads it
// while the reply streams one JSON line per step (docs/agentd.md). A JSON body {"path": ...}
// still loads a file on agentd's own host (ImageHandlers::load).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "Error.h"
#include "HttpApi.h"
#include "LayeredImageStore.h"
#include "UniqueFd.h"

namespace agent {

struct ImageUploadLimits {
  std::string spoolDir;   // DATA_DIR/uploads: on the filesystem the layers are unpacked to
  uint64_t maxBytes = 0;  // `max_image_upload`
};

// Whether an upload of `announced` bytes (its Content-Length) may start: not over `maxBytes`
// nor over what the spool's filesystem has free. EFBIG with the sentence to send back.
Result<void> checkUploadSize(uint64_t announced, uint64_t maxBytes, uint64_t freeBytes);

// An uploaded body on disk: an unnamed file (O_TMPFILE; where the filesystem lacks it, a name
// removed at once), so that an upload cut short or refused, or agentd killed, leaves nothing:
// the space is the kernel's to free when the descriptor closes.
class UploadSpool final : public HttpBodySink {
 public:
  static Result<std::shared_ptr<UploadSpool>> open(const std::string& dir, uint64_t maxBytes);
  std::optional<HttpServerReply> write(const char* data, size_t size) override;
  uint64_t bytes() const { return bytes_; }
  // For the loader, which opens a path: the descriptor's, in this process.
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_.get()); }

 private:
  UploadSpool(UniqueFd fd, uint64_t maxBytes) : fd_(std::move(fd)), maxBytes_(maxBytes) {}
  UniqueFd fd_;
  uint64_t maxBytes_;
  uint64_t bytes_ = 0;
};

// HttpApi's intake for the upload: a spool for POST /v1/images/load with an x-tar body, a 413
// when the announced size is over the limit or the free space, nothing for other requests.
BodyIntake imageUploadIntake(const ImageUploadLimits& limits, const HttpRequest& head, const HttpServerRequest& raw);

// The reply to an upload once it is all in: 200 and JSON lines as the load goes
// ({"status": "..."} per step, {"stream": "Loaded image: NAME\n"} per name, then {"images":
// [...]}, or {"error": "...", "code": "..."} last when it fails).
HttpResponse loadUploadedImage(image::LayeredImageStore& store, const HttpRequest& request);

}  // namespace agent
