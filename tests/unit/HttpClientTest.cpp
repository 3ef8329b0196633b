// agentctl's HTTP client: URL and response parsing, and real exchanges with a loopback
// server written here (the unit tier needs no agentd).
#include "HttpClient.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace agent::ctl {
namespace {

using namespace std::chrono_literals;

TEST(HttpUrl, ParsesHostPortAndPrefix) {
  auto url = parseHttpUrl("http://127.0.0.1:9102");
  ASSERT_TRUE(url) << url.error().message();
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, "9102");
  EXPECT_EQ(url->prefix, "");
  url = parseHttpUrl("http://[::1]:8080/agent/");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "8080");
  EXPECT_EQ(url->prefix, "/agent");
  url = parseHttpUrl("http://localhost");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->port, "80");
  EXPECT_FALSE(url->tls);
}

TEST(HttpUrl, HttpsIsTlsOnPort443ByDefault) {
  auto url = parseHttpUrl("https://10.77.1.2:9102");
  ASSERT_TRUE(url) << url.error().message();
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "10.77.1.2");
  EXPECT_EQ(url->port, "9102");
  url = parseHttpUrl("https://agent.example");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->port, "443");
}

TEST(HttpUrl, RefusesWhatItCannotSpeak) {
  for (const char* bad : {"ftp://127.0.0.1:9102", "127.0.0.1:9102", "https://:9102", "http://:80", "http://h:0",
                          "http://h:99999", "http://h:port", "http://[::1", "http://[::1]x"}) {
    auto url = parseHttpUrl(bad);
    ASSERT_FALSE(url) << bad;
    EXPECT_EQ(url.error().errnum, EINVAL) << bad;
  }
}

TEST(HttpResponse, ReadsContentLengthBodies) {
  auto reply = parseHttpResponse("HTTP/1.1 404 Not Found\r\nContent-Length: 13\r\n\r\n{\"error\":\"x\"}trailing");
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->status, 404);
  EXPECT_EQ(reply->body, "{\"error\":\"x\"}");
}

TEST(HttpResponse, DecodesChunkedBodies) {
  auto reply = parseHttpResponse(
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;x=y\r\n:1}\r\n0\r\n\r\n");
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->body, "{\"a\":1}");
}

TEST(HttpResponse, ReadsToTheEndWithoutALength) {
  auto reply = parseHttpResponse("HTTP/1.0 200 OK\r\n\r\n[]");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "[]");
}

TEST(HttpResponse, RefusesWhatIsNotHttp) {
  for (const char* bad : {"", "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 abc\r\n\r\n", "HTTP/1.1 200 OK\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    auto reply = parseHttpResponse(bad);
    ASSERT_FALSE(reply) << bad;
    EXPECT_EQ(reply.error().errnum, EPROTO) << bad;
  }
}

// A one-connection loopback server: reads the request head, then runs `respond`.
class LoopbackServer {
 public:
  template <typename Respond>
  explicit LoopbackServer(Respond respond) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 1), 0);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, respond] {
      int connection = ::accept(listener_, nullptr, nullptr);
      if (connection < 0) return;
      char buffer[4096];
      while (request_.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(connection, buffer, sizeof buffer);
        if (n <= 0) break;
        request_.append(buffer, static_cast<size_t>(n));
      }
      respond(connection);
      ::close(connection);
    });
  }
  ~LoopbackServer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  HttpUrl url() const { return HttpUrl{"127.0.0.1", std::to_string(port_), ""}; }
  const std::string& request() const { return request_; }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::string request_;
  std::thread thread_;
};

void writeAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

TEST(HttpExchange, SendsTheRequestAndReadsAReplyInPieces) {
  LoopbackServer server([](int fd) {
    writeAll(fd, "HTTP/1.1 201 Created\r\nContent-Le");
    std::this_thread::sleep_for(20ms);
    writeAll(fd, "ngth: 2\r\n\r\n{}");
  });
  auto reply = httpExchange(server.url(), {"POST", "/v1/x", {{"Authorization", "Bearer t"}}, "{}"}, 5s);
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->status, 201);
  EXPECT_EQ(reply->body, "{}");
  EXPECT_NE(server.request().find("POST /v1/x HTTP/1.1\r\n"), std::string::npos);
  EXPECT_NE(server.request().find("Authorization: Bearer t\r\n"), std::string::npos);
  EXPECT_NE(server.request().find("Content-Length: 2\r\n"), std::string::npos);
}

TEST(HttpExchange, TimesOutOnASilentServer) {
  LoopbackServer server([](int) { std::this_thread::sleep_for(600ms); });
  auto reply = httpExchange(server.url(), {"GET", "/", {}, ""}, 200ms);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().errnum, ETIMEDOUT);
}

TEST(HttpExchange, AConnectionClosedBeforeAWholeReplySaysAgentdWentAway) {
  // agentd ended while it worked on the request: nothing, half a head, half a body.
  for (std::string sent : {std::string(), std::string("HTTP/1.1 200 OK\r\nContent-Le"),
                           std::string("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"a\"")}) {
    LoopbackServer server([sent](int fd) { writeAll(fd, sent); });
    auto reply = httpExchange(server.url(), {"POST", "/v1/containers/x/stop", {}, ""}, 5s);
    ASSERT_FALSE(reply) << sent;
    EXPECT_EQ(reply.error().errnum, ECONNABORTED) << sent << ": " << reply.error().message();
    EXPECT_NE(reply.error().message().find("agentd closed the connection before answering"), std::string::npos);
  }
  // A reset is the same.
  LoopbackServer resetting([](int fd) {
    linger hard{1, 0};  // close with RST
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  });
  auto reply = httpExchange(resetting.url(), {"GET", "/", {}, ""}, 5s);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().errnum, ECONNABORTED) << reply.error().message();
  // Not HTTP at all is another fault, not a cut.
  LoopbackServer stranger([](int fd) { writeAll(fd, "SSH-2.0-OpenSSH\r\n\r\n"); });
  reply = httpExchange(stranger.url(), {"GET", "/", {}, ""}, 5s);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().errnum, EPROTO);
}

TEST(HttpExchange, AConnectionResetWhileSendingSaysAgentdWentAway) {
  // agentd stopping resets connections it will not serve: a request still being sent then
  // fails in send() (ECONNRESET or EPIPE), which read "Connection reset by peer", exit 1.
  LoopbackServer resetting([](int fd) {
    linger hard{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  });
  std::string body(16 << 20, 'x');
  auto reply = httpExchange(resetting.url(), {"POST", "/v1/images", {}, body}, 5s);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().errnum, ECONNABORTED) << reply.error().message();
  EXPECT_EQ(reply.error().message(), "agentd closed the connection before answering (it stopped or restarted?)");
}

TEST(HttpExchange, SaysRefusedWhenNothingListens) {
  // Bind, then close without listening: nothing accepts on that port for this test.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  auto reply =
      httpExchange(HttpUrl{"127.0.0.1", std::to_string(ntohs(address.sin_port)), ""}, {"GET", "/", {}, ""}, 2s);
  ::close(fd);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().errnum, ECONNREFUSED);
}

}  // namespace
}  // namespace agent::ctl
