// agentctl's side of the API (agent/ctl/ApiClient): what a person reads when the token is
// missing, when agentd refuses it, and when agentd cannot be reached.
#include "ApiClient.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace agent::ctl {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  TempDir() {
    char name[] = "/tmp/agent-apiclient-XXXXXX";
    path = ::mkdtemp(name);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string path;
};

TEST(ApiClient, AMissingTokenFileNamesItsPathTheStateDirAndWhoWritesIt) {
  TempDir dir;
  auto endpoint = findEndpoint("", "", dir.path);
  ASSERT_FALSE(endpoint);
  EXPECT_TRUE(isUnreachable(endpoint.error()));  // exit 3: most likely no agentd ran here
  EXPECT_EQ(endpoint.error().message(),
            "cannot read the API token " + dir.path + "/token: No such file or directory; agentd writes it when it " +
                "starts, so no agentd has started with --state-dir " + dir.path +
                ": start one (`sudo agentd`, or `make run` in the source tree), or give agentctl the --state-dir (or "
                "--token-file) of the agentd you mean");
  EXPECT_EQ(endpoint.error().message().find("Connection refused"), std::string::npos);
}

TEST(ApiClient, AMissingTokenFileGivenByFlagSaysSo) {
  TempDir dir;
  auto endpoint = findEndpoint("", dir.path + "/mine", dir.path);
  ASSERT_FALSE(endpoint);
  EXPECT_NE(endpoint.error().message().find(dir.path + "/mine: No such file or directory (given by --token-file)"),
            std::string::npos)
      << endpoint.error().message();
}

TEST(ApiClient, TheTokenAndUrlComeFromTheStateDirectory) {
  TempDir dir;
  std::ofstream(dir.path + "/token") << "abc\n";
  std::ofstream(dir.path + "/api") << "http://127.0.0.1:4242\n";
  auto endpoint = findEndpoint("", "", dir.path);
  ASSERT_TRUE(endpoint) << endpoint.error().message();
  EXPECT_EQ(endpoint->token, "abc");
  EXPECT_EQ(endpoint->url, "http://127.0.0.1:4242");
  EXPECT_EQ(endpoint->tokenFile, dir.path + "/token");
}

TEST(ApiClient, ARefusedTokenNamesTheFileItCameFromAndAgentdsOwn) {
  Endpoint endpoint{"http://127.0.0.1:4242", "abc", "/tmp/x/token", "/tmp/x", ""};
  EXPECT_EQ(tokenRefused(endpoint, "/var/tmp/agent/token"),
            "agentd at http://127.0.0.1:4242 refused the API token read from /tmp/x/token; its own token is in "
            "/var/tmp/agent/token: give agentctl the --state-dir (or --token-file) of that agentd");
  EXPECT_EQ(tokenRefused(endpoint, "").find("/run/agent/token"), std::string::npos);
}

TEST(ApiClient, EveryTransportFailureIsUnreachableAndSaysHowToStartAgentd) {
  Endpoint endpoint{"http://127.0.0.1:1", "abc", "/tmp/x/token", "/tmp/x", ""};
  for (int err : {ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, EPROTO, EHOSTUNREACH, ENETUNREACH, ECONNABORTED}) {
    Error transport{err, "127.0.0.1:1", "connect to agentd at"};
    Error said = unreachable(transport, endpoint);
    EXPECT_TRUE(isUnreachable(said)) << err;
    EXPECT_NE(said.message().find(" at http://127.0.0.1:1"), std::string::npos) << said.message();
    EXPECT_EQ(said.message().find("reset by peer"), std::string::npos) << said.message();
  }
  Error refused = unreachable(Error{ECONNREFUSED, "127.0.0.1:1", "connect to agentd at"}, endpoint);
  EXPECT_EQ(refused.message(),
            "cannot reach agentd at http://127.0.0.1:1 (Connection refused); is agentd running? start it (`sudo "
            "agentd`, or `make run` in the source tree), or give agentctl the --state-dir of the agentd you mean (now "
            "/tmp/x)");
}

}  // namespace
}  // namespace agent::ctl
