#include "HttpReplyChannel.h"

#include <microhttpd.h>

#include <cstring>

namespace agent {

bool HttpReplyChannel::write(std::string_view bytes) {
  if (gone_) return false;
  std::lock_guard lock(mutex_);
  pending_.append(bytes);
  wake();
  return true;
}

void HttpReplyChannel::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  wake();
}

void HttpReplyChannel::wake() {
  if (!suspended_) return;
  suspended_ = false;
  MHD_resume_connection(connection_);
}

MHD_Response* HttpReplyChannel::response(std::shared_ptr<HttpReplyChannel> channel) {
  auto* held = new std::shared_ptr<HttpReplyChannel>(std::move(channel));
  MHD_Response* response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, &read, held, &release);
  if (response == nullptr) delete held;
  return response;
}

// On the epoll thread.
ssize_t HttpReplyChannel::read(void* held, uint64_t, char* buffer, size_t max) {
  HttpReplyChannel& self = **static_cast<std::shared_ptr<HttpReplyChannel>*>(held);
  std::lock_guard lock(self.mutex_);
  if (!self.pending_.empty()) {
    size_t n = std::min(max, self.pending_.size());
    std::memcpy(buffer, self.pending_.data(), n);
    self.pending_.erase(0, n);
    return static_cast<ssize_t>(n);
  }
  if (self.closed_) return MHD_CONTENT_READER_END_OF_STREAM;
  self.suspended_ = true;
  MHD_suspend_connection(self.connection_);
  return 0;
}

void HttpReplyChannel::release(void* held) {
  auto* channel = static_cast<std::shared_ptr<HttpReplyChannel>*>(held);
  (*channel)->gone_ = true;
  delete channel;
}

}  // namespace agent
