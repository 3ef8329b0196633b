// What a create request may hold: each field's JSON type, and the values Docker accepts (host
// names per RFC 1123, label keys, env entries, the command), refused with the field and the rule.
#include <gtest/gtest.h>

#include "CreateRequest.h"
#include "RunRequestValidation.h"

using namespace agent;
using namespace agent::container;

namespace {

// The refusal's message, or "" if accepted.
std::string refusal(const Result<void>& result) {
  return result ? "" : result.error().message();
}

RunRequest sample() {
  RunRequest request;
  request.image = "busybox";
  request.args = {"sh", "-c", "echo hi"};
  return request;
}

}  // namespace

TEST(RunRequestRules, HostnamesAreRfc1123AsDockerChecksThem) {
  for (const char* good : {"a", "web-1", "db.internal", "A1-b2.c3",
                           "x23456789012345678901234567890123456789012345678901234567890123", "1.2.3"}) {
    EXPECT_EQ(refusal(validateHostname(good)), "") << good;
  }
  for (std::string bad : {std::string("a\nb"), std::string("-a"), std::string("a-"), std::string("a..b"),
                          std::string(".a"), std::string("a."), std::string("a_b"), std::string("a b"),
                          std::string("héllo"), std::string("a\0b", 3), std::string(64, 'x'), std::string("")}) {
    auto refused = validateHostname(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().errnum, EINVAL);
    EXPECT_NE(refused.error().message().find("hostname"), std::string::npos);
    EXPECT_NE(refused.error().message().find("RFC 1123"), std::string::npos);
  }
  // The value is shown on one line, its newline escaped.
  EXPECT_NE(refusal(validateHostname("a\nb")).find("hostname \"a\\nb\" is invalid"), std::string::npos)
      << refusal(validateHostname("a\nb"));
}

TEST(RunRequestRules, LabelKeysAndValues) {
  for (const char* good : {"tier", "app.kubernetes.io/name", "com.example=x", "ключ"}) {
    EXPECT_EQ(refusal(validateLabelKey(good)), "") << good;
  }
  for (std::string bad : {std::string(""), std::string("a b"), std::string("a\tb"), std::string("a\nb"),
                          std::string("a\0b", 3), std::string("\x7f")}) {
    auto refused = validateLabelKey(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message().find("label key"), std::string::npos);
  }
  EXPECT_EQ(refusal(validateLabelValue("k", "any text\nwith = and spaces")), "");
  EXPECT_NE(refusal(validateLabelValue("k", std::string("a\0b", 3))).find("NUL"), std::string::npos);
}

TEST(RunRequestRules, EnvEntriesAreKeyEqualsValue) {
  for (const char* good : {"A=1", "A=", "PATH=/bin:/usr/bin", "A==b", "lower.case-key=x"}) {
    EXPECT_EQ(refusal(validateEnvEntry(good)), "") << good;
  }
  EXPECT_NE(refusal(validateEnvEntry("=x")).find("KEY may not be empty"), std::string::npos);
  EXPECT_NE(refusal(validateEnvEntry("NOVALUE")).find("KEY=VALUE"), std::string::npos);
  EXPECT_NE(refusal(validateEnvEntry(std::string("A=b\0c", 5))).find("NUL"), std::string::npos);
  EXPECT_NE(refusal(validateEnvEntry(std::string("A=b\0c", 5))).find("env entry \"A=b\\x00c\""), std::string::npos);
}

TEST(RunRequestRules, TheCommand) {
  EXPECT_EQ(refusal(validateCommand({"true"})), "");
  EXPECT_NE(refusal(validateCommand({})).find("command is missing"), std::string::npos);
  EXPECT_NE(refusal(validateCommand({""})).find("command"), std::string::npos);
  EXPECT_NE(refusal(validateCommand({"echo", std::string("a\0b", 3)})).find("argument 1"), std::string::npos);
}

TEST(RunRequestRules, AWholeRequestIsCheckedFieldByField) {
  EXPECT_EQ(refusal(validateRunRequest(sample())), "");
  auto withHostname = sample();
  withHostname.hostname = "a\nb";
  EXPECT_NE(refusal(validateRunRequest(withHostname)).find("hostname"), std::string::npos);
  auto withLabel = sample();
  withLabel.labels = {{"", "x"}};
  EXPECT_NE(refusal(validateRunRequest(withLabel)).find("label key"), std::string::npos);
  auto withEnv = sample();
  withEnv.env = {"OK=1", "=bad"};
  EXPECT_NE(refusal(validateRunRequest(withEnv)).find("env entry \"=bad\""), std::string::npos);
  auto withName = sample();
  withName.name = "a/b";
  EXPECT_NE(refusal(validateRunRequest(withName)).find("container name"), std::string::npos);
  withName.name = "a\nb";  // every message about a value stays on one line
  EXPECT_NE(refusal(validateRunRequest(withName)).find("\"a\\nb\""), std::string::npos)
      << refusal(validateRunRequest(withName));
  auto noImage = sample();
  noImage.image.clear();
  EXPECT_NE(refusal(validateRunRequest(noImage)).find("image is missing"), std::string::npos);
}

TEST(CreateRequestJson, EachFieldHasItsType) {
  auto good = parseCreateRequest(
      R"({"image": "busybox", "command": ["sh", "-c", "x"], "env": ["A=1"], "labels": {"k": "v"},
          "hostname": "h", "network": "host", "cpu": "50%", "memory": "64Mi", "pids": "10",
          "remove_on_exit": true, "attach": true, "name": "n"})",
      4);
  ASSERT_TRUE(good) << good.error().message();
  EXPECT_EQ(good->run.args.size(), 3u);
  EXPECT_EQ(good->run.network, NetworkMode::Host);
  EXPECT_TRUE(good->run.removeOnExit);
  EXPECT_TRUE(good->attach);
  EXPECT_TRUE(good->limits.cpu && good->limits.memoryMax && good->limits.pidsMax);
  EXPECT_FALSE(good->run.userns);                                               // absent: agentd's default
  EXPECT_FALSE(parseCreateRequest(R"({"image": "busybox"})", 4)->run.network);  // agentd's default_network
  auto bridged =
      parseCreateRequest(R"({"network": "bridge", "publish": ["8080:80", "53/udp"], "publish_all": true})", 4);
  ASSERT_TRUE(bridged) << bridged.error().message();
  EXPECT_EQ(bridged->run.network, NetworkMode::Bridge);
  EXPECT_EQ(bridged->run.publish, (std::vector<std::string>{"8080:80", "53/udp"}));
  EXPECT_TRUE(bridged->run.publishAll);
  auto joined = parseCreateRequest(R"({"network": "container:web"})", 4);
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->run.network, NetworkMode::Container);
  EXPECT_EQ(joined->run.networkContainer, "web");
  EXPECT_FALSE(parseCreateRequest(R"({"network": "container:"})", 4));
  EXPECT_FALSE(parseCreateRequest(R"({"network": "overlay"})", 4));
  EXPECT_FALSE(parseCreateRequest(R"({"publish": "8080:80"})", 4));
  EXPECT_EQ(parseCreateRequest(R"({"userns": "auto"})", 4)->run.userns, agent::container::UsernsMode::Auto);
  EXPECT_EQ(parseCreateRequest(R"({"userns": "host"})", 4)->run.userns, agent::container::UsernsMode::Host);
  struct Case {
    const char* body;
    const char* says;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"image": 5})", "image must be a string"},
           {R"({"hostname": ["a"]})", "hostname must be a string"},
           {R"({"command": "sh -c x"})", "command must be an array of strings"},
           {R"({"command": ["sh", 1]})", "command must be an array of strings"},
           {R"({"env": {"A": "1"}})", "env must be an array of strings"},
           {R"({"labels": {"k": 1}})", "labels must be an object of strings"},
           {R"({"remove_on_exit": "yes"})", "remove_on_exit must be true or false"},
           {R"({"network": "overlay"})", "network must be none, host, bridge or container:NAME"},
           {R"({"userns": "keep-id"})", "userns must be host or auto"},
           {R"({"userns": true})", "userns must be a string"},
           {R"({"hostnme": "x"})", "unknown field \"hostnme\""},
           {R"({"cpu": ""})", "cpu"},
           {R"([1])", "JSON object"},
           {R"({oops)", "JSON object"},
       }) {
    auto refused = parseCreateRequest(c.body, 4);
    ASSERT_FALSE(refused) << c.body;
    EXPECT_EQ(refused.error().errnum, EINVAL) << c.body;
    EXPECT_NE(refused.error().message().find(c.says), std::string::npos) << c.body << ": " << refused.error().message();
  }
}
