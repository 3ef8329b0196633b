// An image upload's plumbing without agentd: the chunked decoder agentctl reads progress with,
// the size check agentd refuses early with, and a real exchange between HttpServer (a body to
// a sink, a streamed reply) and agentctl's httpUpload over loopback.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>

#include "ChunkedDecoder.h"
#include "HttpServer.h"
#include "HttpUpload.h"
#include "ImageUpload.h"

namespace agent {
namespace {

using ctl::ChunkedDecoder;
using namespace std::chrono_literals;

constexpr std::string_view kChunked = "5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n";

TEST(ChunkedDecoder, DecodesWholeAndSplitAtEveryByte) {
  ChunkedDecoder whole;
  std::string out;
  auto done = whole.feed(kChunked, out);
  ASSERT_TRUE(done) << done.error().message();
  EXPECT_TRUE(*done);
  EXPECT_EQ(out, "hello 0123456789");
  for (size_t split = 0; split <= kChunked.size(); ++split) {
    ChunkedDecoder parts;
    std::string pieces;
    auto first = parts.feed(kChunked.substr(0, split), pieces);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, split == kChunked.size()) << split;
    ASSERT_TRUE(parts.feed(kChunked.substr(split), pieces));
    EXPECT_TRUE(parts.done()) << split;
    EXPECT_EQ(pieces, "hello 0123456789") << split;
  }
}

TEST(ChunkedDecoder, OneByteAtATime) {
  ChunkedDecoder decoder;
  std::string out;
  for (char c : kChunked) ASSERT_TRUE(decoder.feed(std::string_view(&c, 1), out));
  EXPECT_TRUE(decoder.done());
  EXPECT_EQ(out, "hello 0123456789");
}

TEST(ChunkedDecoder, CutShortIsNotDone) {
  ChunkedDecoder decoder;
  std::string out;
  auto done = decoder.feed("5\r\nhel", out);
  ASSERT_TRUE(done);
  EXPECT_FALSE(*done);
  EXPECT_EQ(out, "hel");
}

TEST(ChunkedDecoder, RefusesMalformed) {
  for (std::string_view bad :
       {"zz\r\nab\r\n", "\r\n", "5\nhello\r\n", "3\r\nabcd\r\n0\r\n\r\n", "ffffffffffffffffffff\r\n", "-1\r\n"}) {
    ChunkedDecoder decoder;
    std::string out;
    auto done = decoder.feed(bad, out);
    ASSERT_FALSE(done) << bad;
    EXPECT_EQ(done.error().errnum, EPROTO) << bad;
  }
  ChunkedDecoder endless;
  std::string out;
  EXPECT_FALSE(endless.feed(std::string(5000, '1'), out));  // a size line without end
}

TEST(UploadSize, RefusesOverTheLimitOrTheFreeSpace) {
  EXPECT_TRUE(checkUploadSize(100, 100, 1000));
  auto overMax = checkUploadSize(101 << 20, 100 << 20, 1000ull << 20);
  ASSERT_FALSE(overMax);
  EXPECT_EQ(overMax.error().errnum, EFBIG);
  EXPECT_NE(overMax.error().message().find("max_image_upload"), std::string::npos) << overMax.error().message();
  auto overFree = checkUploadSize(50 << 20, 100 << 20, 10 << 20);
  ASSERT_FALSE(overFree);
  EXPECT_NE(overFree.error().message().find("(10.5 MB) free"), std::string::npos) << overFree.error().message();
}

// A sink counting bytes, refusing past `limit`.
struct CountingSink : HttpBodySink {
  explicit CountingSink(size_t limit) : limit(limit) {}
  std::optional<HttpServerReply> write(const char*, size_t size) override {
    bytes += size;
    if (bytes <= limit) return std::nullopt;
    HttpServerReply refusal;
    refusal.status = 413;
    refusal.body = std::make_shared<const std::string>("over\n");
    return refusal;
  }
  size_t limit;
  std::atomic<size_t> bytes = 0;
};

struct UploadServer {
  explicit UploadServer(size_t limit) {
    HttpServerOptions options;
    options.address = "127.0.0.1:0";
    options.flag = "--test";
    options.intake = [this, limit](const HttpServerRequest& request) {
      HttpBodyIntake intake;
      if (request.header("content-type") == "application/x-tar")
        intake.sink = sink = std::make_shared<CountingSink>(limit);
      return intake;
    };
    auto started = HttpServer::start(options, nullptr, [this](const HttpServerRequest& request) {
      HttpServerReply reply;
      reply.contentType = "application/json";
      size_t received = request.sink ? sink->bytes.load() : request.body.size();
      // Lines some time apart: the client must see the first before the last is written.
      reply.stream = [this, received](HttpReplyStream& out) {
        out.write("{\"received\": " + std::to_string(received) + "}\n");
        for (int i = 0; i < 3; ++i) {
          std::this_thread::sleep_for(50ms);
          out.write("{\"step\": " + std::to_string(i) + "}\n");
          if (i == 0) {
            std::unique_lock lock(mutex);
            streamed = firstSeen.wait_for(lock, 5s, [this] { return clientSawFirst; });
          }
        }
      };
      return reply;
    });
    EXPECT_TRUE(started) << started.error().message();
    server = std::move(*started);
    url = *ctl::parseHttpUrl("http://127.0.0.1:" + std::to_string(server->port()));
  }
  std::shared_ptr<CountingSink> sink;
  std::unique_ptr<HttpServer> server;
  ctl::HttpUrl url;
  std::mutex mutex;
  std::condition_variable firstSeen;
  bool clientSawFirst = false;
  bool streamed = false;  // the client had the first line before the handler wrote the next
};

// A pipe with `size` bytes written by a thread, as `docker save | agentctl image load` gives.
struct Producer {
  explicit Producer(size_t size) {
    std::signal(SIGPIPE, SIG_IGN);  // the reader may stop first
    EXPECT_EQ(::pipe(fds), 0);
    writer = std::thread([this, size] {
      std::string block(65536, 'x');
      for (size_t left = size; left > 0;) {
        ssize_t n = ::write(fds[1], block.data(), std::min(left, block.size()));
        if (n <= 0) break;
        left -= static_cast<size_t>(n);
      }
      ::close(fds[1]);
    });
  }
  ~Producer() {
    ::close(fds[0]);
    writer.join();
  }
  int fds[2];
  std::thread writer;
};

TEST(HttpUpload, BodyGoesToTheSinkAndTheReplyStreamsAsWritten) {
  UploadServer server(64 << 20);
  constexpr size_t kSize = 5 << 20;
  Producer producer(kSize);
  std::string lines;
  ctl::HttpRequestLine request{"POST", "/load", {{"Content-Type", "application/x-tar"}}, ""};
  auto reply = ctl::httpUpload(
      server.url, request, producer.fds[0], std::nullopt, "the pipe",
      [&](std::string_view bytes) {
        lines.append(bytes);
        if (lines.find("\"step\": 0") != std::string::npos) {
          std::lock_guard lock(server.mutex);
          server.clientSawFirst = true;  // before the server wrote step 1: streamed
          server.firstSeen.notify_all();
        }
      },
      5s);
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(lines, "{\"received\": " + std::to_string(kSize) + "}\n{\"step\": 0}\n{\"step\": 1}\n{\"step\": 2}\n");
  EXPECT_EQ(server.sink->bytes, kSize);
  EXPECT_TRUE(server.streamed);
}

TEST(HttpUpload, AFileGoesWithItsLength) {
  UploadServer server(64 << 20);
  char name[] = "/tmp/upload-test-XXXXXX";
  int fd = ::mkstemp(name);
  ASSERT_GE(fd, 0);
  ::unlink(name);
  std::string data(3 << 20, 'y');
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::lseek(fd, 0, SEEK_SET);
  server.clientSawFirst = true;
  std::string lines;
  ctl::HttpRequestLine request{"POST", "/load", {{"Content-Type", "application/x-tar"}}, ""};
  auto reply = ctl::httpUpload(
      server.url, request, fd, data.size(), "the file", [&](std::string_view bytes) { lines.append(bytes); }, 5s);
  ::close(fd);
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(lines.substr(0, lines.find('\n')), "{\"received\": " + std::to_string(data.size()) + "}");
}

TEST(HttpUpload, ASinkRefusalIsTheReply) {
  UploadServer server(1 << 20);
  Producer producer(3 << 20);
  ctl::HttpRequestLine request{"POST", "/load", {{"Content-Type", "application/x-tar"}}, ""};
  bool streamed = false;
  auto reply = ctl::httpUpload(
      server.url, request, producer.fds[0], std::nullopt, "the pipe", [&](std::string_view) { streamed = true; }, 5s);
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(reply->body, "over\n");
  EXPECT_FALSE(streamed);
}

}  // namespace
}  // namespace agent
