#pragma once
// A streamed reply's body between the handler's thread (which writes it) and libmicrohttpd's
// epoll thread (which sends it, chunked). When nothing is pending the connection is suspended
// (returning 0 without it would make the epoll thread spin) and a write resumes it.
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "HttpServer.h"

struct MHD_Connection;
struct MHD_Response;

namespace agent {

class HttpReplyChannel final : public HttpReplyStream {
 public:
  explicit HttpReplyChannel(MHD_Connection* connection) : connection_(connection) {}
  bool write(std::string_view bytes) override;
  // The writer is done: the body ends once what is pending is sent. Must be called (a
  // suspended connection must be resumed before the server stops).
  void close();
  // A response reading from `channel` (its size unknown: chunked); null on failure.
  static MHD_Response* response(std::shared_ptr<HttpReplyChannel> channel);

 private:
  static ssize_t read(void* held, uint64_t position, char* buffer, size_t max);
  static void release(void* held);
  void wake();  // under mutex_

  MHD_Connection* connection_;
  std::mutex mutex_;
  std::string pending_;
  bool closed_ = false;
  bool suspended_ = false;  // by read(), waiting for a write or close
  // The response was freed (the connection ended): writes are dropped. Never set while the
  // connection is suspended, so wake() never touches a connection that is gone.
  std::atomic<bool> gone_ = false;
};

}  // namespace agent
