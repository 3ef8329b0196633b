// Bad input to the real agentd: refused with a clear message (agentctl exits 1), nothing
// created; and the Authorization scheme in any case.
#include <gtest/gtest.h>

#include "E2ESupport.h"

using namespace e2e;

namespace {

struct Api {
  std::string url, token;
  explicit Api(const Agent& agent) {
    std::ifstream(agent.root() / "state" / "api") >> url;
    std::ifstream(agent.root() / "state" / "token") >> token;
  }
  // curl's output then the status on the last line.
  Ran curl(const std::string& args) const { return shell("curl -s -w '\\n%{http_code}' " + args); }
};

}  // namespace

TEST(InputE2E, ACreateRequestIsCheckedFieldByField) {
  Agent agent;
  Ran newline = agent.ctl("run --hostname \"$(printf 'a\\nb')\" busybox -- true");
  EXPECT_EQ(newline.exitCode, 1) << newline.out;
  EXPECT_NE(newline.out.find("hostname \"a\\nb\" is invalid"), std::string::npos) << newline.out;
  EXPECT_NE(newline.out.find("RFC 1123"), std::string::npos) << newline.out;
  for (const char* hostname :
       {"-web", "web_1", "a..b", "x234567890123456789012345678901234567890123456789012345678901234"}) {
    Ran bad = agent.ctl(std::string("run --hostname '") + hostname + "' busybox -- true");
    EXPECT_EQ(bad.exitCode, 1) << hostname << ": " << bad.out;
    EXPECT_NE(bad.out.find("hostname"), std::string::npos) << bad.out;
  }
  Ran label = agent.ctl("run --label 'tier name=web' busybox -- true");
  EXPECT_EQ(label.exitCode, 1) << label.out;
  EXPECT_NE(label.out.find("label key \"tier name\" is invalid"), std::string::npos) << label.out;
  EXPECT_EQ(agent.ctl("run --env =x busybox -- true").exitCode, 2);  // agentctl's own check
  Ran good = agent.ctl("run --rm --hostname db.internal busybox -- hostname");
  EXPECT_EQ(good.exitCode, 0) << good.out;
  EXPECT_EQ(good.out, "db.internal\n");
  EXPECT_EQ(agent.listIds().size(), 0u) << "a refused request left a container";

  Api api(agent);
  std::string auth = "-H 'Authorization: Bearer " + api.token + "' -H 'Content-Type: application/json' ";
  struct Case {
    std::string body, says;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"image":"busybox","command":["true"],"env":["=x"]})", "env entry \\\"=x\\\" is invalid"},
           {R"({"image":"busybox","command":["true"],"env":["A=1\u0000B"]})", "NUL"},
           {R"({"image":"busybox","command":["true"],"labels":{"":"x"}})", "label key"},
           {R"({"image":"busybox","command":["true"],"hostname":7})", "hostname must be a string"},
           {R"({"image":"busybox","command":["true"],"hostnme":"x"})", "unknown field \\\"hostnme\\\""},
           {R"({"image":"busybox","command":[""]})", "command"},
       }) {
    Ran r = api.curl(auth + "-X POST --data-binary '" + c.body + "' " + api.url + "/v1/containers");
    EXPECT_NE(r.out.find("\"code\":\"invalid\""), std::string::npos) << c.body << " -> " << r.out;
    EXPECT_NE(r.out.find(c.says), std::string::npos) << c.body << " -> " << r.out;
    EXPECT_EQ(r.out.substr(r.out.rfind('\n') + 1), "400") << c.body << " -> " << r.out;
  }
  EXPECT_EQ(agent.listIds().size(), 0u);
}

TEST(InputE2E, TheBearerSchemeIsCaseInsensitive) {
  Agent agent;
  Api api(agent);
  auto status = [&](const std::string& header) {
    Ran r = api.curl("-o /dev/null -H '" + header + "' " + api.url + "/v1/containers");
    return r.out.substr(r.out.rfind('\n') + 1);
  };
  EXPECT_EQ(status("Authorization: Bearer " + api.token), "200");
  EXPECT_EQ(status("Authorization: bearer " + api.token), "200");
  EXPECT_EQ(status("Authorization: BEARER  " + api.token + " "), "200");
  EXPECT_EQ(status("Authorization: Basic " + api.token), "401");
  EXPECT_EQ(status("Authorization: bearer wrong"), "401");
  EXPECT_EQ(status("Authorization: bearer" + api.token), "401");
}
