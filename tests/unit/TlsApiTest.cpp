// TLS between agentctl's client (TlsTunnel: libssl, dlopened) and agentd's HttpServer
// (libmicrohttpd with GnuTLS), over loopback, with certificates the openssl CLI makes here:
// a request, an upgraded stream whose half-close crosses TLS both ways, and the refusals of a
// certificate signed by another CA or made for another address.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "HttpClient.h"
#include "HttpServer.h"

namespace agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Pki {
  fs::path dir;
  Pki() {
    std::random_device random;
    dir = fs::temp_directory_path() / ("agent-test-tls-" + std::to_string(random()));
    fs::create_directories(dir);
    std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ";
    std::string script =
        "cd " + dir.string() + " && openssl req -x509" + ec + "-days 2 -subj /CN=ca -keyout ca.key -out ca.pem" +
        " && openssl req -x509" + ec + "-days 2 -subj /CN=other -keyout other.key -out other.pem" + " && openssl req" +
        ec + "-subj /CN=agentd -keyout api.key -out api.csr" +
        " && printf 'subjectAltName=IP:127.0.0.1\\n' > a.ext && printf 'subjectAltName=IP:127.0.0.2\\n' > b.ext" +
        " && openssl x509 -req -in api.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile a.ext -out "
        "api.crt" +
        " && openssl x509 -req -in api.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile b.ext -out b.crt" +
        " >/dev/null 2>&1";
    made = std::system(script.c_str()) == 0;
  }
  ~Pki() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  std::string read(const char* name) const {
    FILE* f = std::fopen((dir / name).c_str(), "r");
    std::string text;
    char buffer[4096];
    for (size_t n; f && (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
    if (f) std::fclose(f);
    return text;
  }
  std::string path(const char* name) const { return (dir / name).string(); }
  bool made = false;
};

constexpr size_t kStreamBytes = 100000;  // several TLS records

// The server's end of an upgraded stream (non-blocking under TLS: libmicrohttpd's socketpair):
// reads kStreamBytes, answers how much came, and ends. It does not wait for the client's
// half-close: libmicrohttpd 0.9.75 does not pass TLS's close_notify on as the end of the
// socketpair (checked by hand; `exec -i`'s end of stdin over https is the gap, see docs).
void countToEnd(int socket, std::string early) {
  size_t total = early.size();
  char buffer[4096];
  while (true) {
    ssize_t n = ::recv(socket, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      pollfd p{socket, POLLIN, 0};
      ::poll(&p, 1, 5000);
      continue;
    }
    if (n <= 0) break;
    total += static_cast<size_t>(n);
    if (total >= kStreamBytes) break;
  }
  std::string answer = "got " + std::to_string(total);
  (void)!::send(socket, answer.data(), answer.size(), MSG_NOSIGNAL);
}

std::unique_ptr<HttpServer> tlsServer(const Pki& pki, const char* cert = "api.crt") {
  HttpServerOptions options;
  options.address = "127.0.0.1:0";
  options.flag = "--api-address";
  options.tls = {pki.read(cert), pki.read("api.key")};
  auto server = HttpServer::start(std::move(options), nullptr, [](const HttpServerRequest& request) {
    HttpServerReply reply;
    if (request.header("upgrade") == "tcp") {
      reply.status = 101;
      reply.headers = {{"Connection", "Upgrade"}, {"Upgrade", "tcp"}};
      reply.upgrade = &countToEnd;
      return reply;
    }
    reply.body = std::make_shared<const std::string>("hello over tls " + request.path);
    return reply;
  });
  EXPECT_TRUE(server) << (server ? "" : server.error().message());
  return server ? std::move(*server) : nullptr;
}

ctl::HttpUrl urlOf(const HttpServer& server, const std::string& ca) {
  return ctl::HttpUrl{"127.0.0.1", std::to_string(server.port()), "", true, ca};
}

TEST(TlsApi, ARequestOverHttps) {
  Pki pki;
  ASSERT_TRUE(pki.made) << "openssl could not make the test certificates";
  auto server = tlsServer(pki);
  ASSERT_TRUE(server);
  auto reply = ctl::httpExchange(urlOf(*server, pki.path("ca.pem")), {"GET", "/v1/ping", {}, ""}, 5s);
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "hello over tls /v1/ping");
  // Plain HTTP to the TLS port gets no reply.
  auto plain = ctl::httpExchange(ctl::HttpUrl{"127.0.0.1", std::to_string(server->port()), "", false, ""},
                                 {"GET", "/v1/ping", {}, ""}, 5s);
  EXPECT_FALSE(plain && plain->status == 200);
}

TEST(TlsApi, AnUpgradedStreamCarriesBytesBothWaysAndEndsWithTheServer) {
  Pki pki;
  ASSERT_TRUE(pki.made);
  auto server = tlsServer(pki);
  ASSERT_TRUE(server);
  auto socket = ctl::httpConnect(urlOf(*server, pki.path("ca.pem")), 5s);
  ASSERT_TRUE(socket) << socket.error().message();
  std::string head =
      "POST /stream HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n";
  std::string payload(kStreamBytes, 'x');
  std::string out = head + payload;
  int fd = socket->get();
  std::string in;
  auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, static_cast<short>(POLLIN | (out.empty() ? 0 : POLLOUT)), 0};
    ::poll(&p, 1, 1000);
    if (!out.empty()) {
      ssize_t n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) out.erase(0, static_cast<size_t>(n));
    }
    char buffer[4096];
    ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n == 0) break;  // the server's end came back
    if (n > 0) in.append(buffer, static_cast<size_t>(n));
  }
  ASSERT_EQ(in.rfind("HTTP/1.1 101", 0), 0u) << in;
  EXPECT_EQ(in.substr(in.find("\r\n\r\n") + 4), "got 100000");
}

TEST(TlsApi, ACertificateFromAnotherCaIsRefusedWithWhatToGive) {
  Pki pki;
  ASSERT_TRUE(pki.made);
  auto server = tlsServer(pki);
  ASSERT_TRUE(server);
  auto reply = ctl::httpExchange(urlOf(*server, pki.path("other.pem")), {"GET", "/", {}, ""}, 5s);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().errnum, EKEYREJECTED);
  EXPECT_NE(reply.error().message().find("is not trusted"), std::string::npos) << reply.error().message();
  EXPECT_NE(reply.error().message().find("--tls-ca"), std::string::npos) << reply.error().message();
}

TEST(TlsApi, ACertificateForAnotherAddressIsRefused) {
  Pki pki;
  ASSERT_TRUE(pki.made);
  auto server = tlsServer(pki, "b.crt");  // names 127.0.0.2
  ASSERT_TRUE(server);
  auto reply = ctl::httpExchange(urlOf(*server, pki.path("ca.pem")), {"GET", "/", {}, ""}, 5s);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().errnum, EKEYREJECTED);
  EXPECT_NE(reply.error().message().find("IP address mismatch"), std::string::npos) << reply.error().message();
}

TEST(TlsApi, AKeyThatIsNotTheCertificatesIsRefusedAtStart) {
  Pki pki;
  ASSERT_TRUE(pki.made);
  HttpServerOptions options;
  options.address = "127.0.0.1:0";
  options.flag = "--api-address";
  options.tls = {pki.read("api.crt"), pki.read("other.key")};
  auto server =
      HttpServer::start(std::move(options), nullptr, [](const HttpServerRequest&) { return HttpServerReply{}; });
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().message().find("api_tls_cert and api_tls_key"), std::string::npos);
}

}  // namespace
}  // namespace agent
