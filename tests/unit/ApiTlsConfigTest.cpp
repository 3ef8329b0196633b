// The control API's TLS keys and the load rule: plain HTTP is served on loopback only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "AgentConfig.h"
#include "ApiTlsConfig.h"
#include "LoopbackHost.h"

using namespace agent;

namespace {

const ApiTlsConfig kNoTls{};
const ApiTlsConfig kTls{"/etc/agent/api.crt", "/etc/agent/api.key"};

}  // namespace

TEST(ApiListener, PlainHttpIsServedOnLoopbackOnly) {
  for (const char* address : {"127.0.0.1:9102", "127.3.4.5:0", "localhost:9102", "[::1]:9102"})
    EXPECT_TRUE(checkApiListener(address, kNoTls)) << address;
  for (const char* address : {":9102", "0.0.0.0:9102", "10.77.1.2:9102", "[::]:9102", "[fe80::1]:9102",
                              "agent.example:9102", "128.0.0.1:9102"}) {
    auto checked = checkApiListener(address, kNoTls);
    ASSERT_FALSE(checked) << address;
    EXPECT_EQ(checked.error().errnum, EINVAL);
    // One sentence: what is refused and what to give.
    EXPECT_NE(checked.error().message().find("plain HTTP off loopback is refused"), std::string::npos);
    EXPECT_NE(checked.error().message().find("give api_tls_cert and api_tls_key"), std::string::npos);
  }
}

TEST(ApiListener, TlsMayListenAnywhere) {
  for (const char* address : {":9102", "10.77.1.2:9102", "127.0.0.1:9102", "[::]:0"})
    EXPECT_TRUE(checkApiListener(address, kTls)) << address;
}

TEST(ApiListener, ACertificateWithoutItsKeyIsRefusedEvenOnLoopback) {
  auto noKey = checkApiListener("127.0.0.1:9102", ApiTlsConfig{"/c.pem", ""});
  ASSERT_FALSE(noKey);
  EXPECT_NE(noKey.error().message().find("`api_tls_cert` without `api_tls_key`"), std::string::npos);
  auto noCert = checkApiListener("10.0.0.1:9102", ApiTlsConfig{"", "/k.pem"});
  ASSERT_FALSE(noCert);
  EXPECT_NE(noCert.error().message().find("`api_tls_key` without `api_tls_cert`"), std::string::npos);
}

TEST(ApiListener, LoopbackHosts) {
  EXPECT_TRUE(isLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(isLoopbackHost("127.255.0.9"));
  EXPECT_TRUE(isLoopbackHost("::1"));
  EXPECT_TRUE(isLoopbackHost("[::1]"));
  EXPECT_TRUE(isLoopbackHost("localhost"));
  EXPECT_FALSE(isLoopbackHost(""));
  EXPECT_FALSE(isLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(isLoopbackHost("::"));
  EXPECT_FALSE(isLoopbackHost("::ffff:127.0.0.1"));  // mapped: not what the kernel calls loopback on a v6 socket
  EXPECT_FALSE(isLoopbackHost("localhost.example"));
}

TEST(ApiTlsConfig, TheKeysAreReadFromTheFile) {
  std::string path = std::filesystem::temp_directory_path() / ("agent-test-tls-" + std::to_string(::getpid()));
  std::ofstream(path) << "api_address: \":9102\"\napi_tls_cert: /etc/agent/api.crt\napi_tls_key: /etc/agent/api.key\n";
  AgentConfig config;
  ASSERT_TRUE(loadConfigFile(path, true, config));
  std::filesystem::remove(path);
  EXPECT_EQ(config.apiTls, kTls);
  EXPECT_TRUE(checkApiListener(config.apiAddress, config.apiTls));
}

TEST(ApiTlsConfig, UnreadableFilesAreNamed) {
  auto files = readApiTlsFiles(ApiTlsConfig{"/nonexistent/api.crt", "/nonexistent/api.key"});
  ASSERT_FALSE(files);
  EXPECT_NE(files.error().message().find("/nonexistent/api.crt"), std::string::npos);
  std::string notPem = std::filesystem::temp_directory_path() / ("agent-test-notpem-" + std::to_string(::getpid()));
  std::ofstream(notPem) << "not a certificate\n";
  auto bad = readApiTlsFiles(ApiTlsConfig{notPem, notPem});
  std::filesystem::remove(notPem);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("holds no PEM block"), std::string::npos);
}
