// --device HOST[:CTR][:rwm] as Docker's CLI reads it, its refusals, the allow-list it adds
// to, its place in the create request's JSON and in the container's record.
#include <gtest/gtest.h>

#include "ContainerRecord.h"
#include "CreateRequest.h"
#include "DeviceRequest.h"

using namespace agent;
using namespace agent::container;

TEST(DeviceRequest, ReadsAsDockersCli) {
  struct Case {
    const char* text;
    DeviceRequest want;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"/dev/kmsg", {"/dev/kmsg", "/dev/kmsg", "rwm"}},
           {"/dev/kmsg:r", {"/dev/kmsg", "/dev/kmsg", "r"}},
           {"/dev/kmsg:mw", {"/dev/kmsg", "/dev/kmsg", "mw"}},
           {"/dev/sda:/dev/xvda", {"/dev/sda", "/dev/xvda", "rwm"}},
           {"/dev/sda:/dev/xvda:rw", {"/dev/sda", "/dev/xvda", "rw"}},
           {"/dev/fuse:/opt/fuse/", {"/dev/fuse", "/opt/fuse", "rwm"}},  // outside /dev: Docker allows it
           {"/dev/null:/dev/../dev/mine", {"/dev/null", "/dev/mine", "rwm"}},
       }) {
    auto parsed = parseDeviceRequest(c.text);
    ASSERT_TRUE(parsed) << c.text << ": " << parsed.error().message();
    EXPECT_EQ(*parsed, c.want) << c.text;
    EXPECT_EQ(parseDeviceRequest(deviceRequestText(*parsed)).value_or(DeviceRequest{}), *parsed) << c.text;
  }
}

TEST(DeviceRequest, RefusesNamingWhatIsWrong) {
  struct Case {
    std::string text;
    const char* why;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"dev/kmsg", "the host path \"dev/kmsg\" is not absolute"},
           {"", "the host path \"\" is not absolute"},
           {"/dev/kmsg:dev/kmsg", "the container path \"dev/kmsg\" is not absolute"},
           {"/dev/kmsg:/dev/kmsg:rx", "the permissions \"rx\" are not letters of r (read), w (write) and m (mknod)"},
           {"/dev/kmsg:/dev/kmsg:rr", "the permissions \"rr\""},
           {"/dev/kmsg:/dev/kmsg:", "the permissions \"\""},
           {"/dev/kmsg:/:r", "the container path is the root directory"},
           {"/dev/kmsg:/..:r", "the container path is the root directory"},
           {"/a:/b:r:x", "more than three"},
           {std::string("/dev/kmsg\0x", 11), "NUL"},
       }) {
    auto parsed = parseDeviceRequest(c.text);
    ASSERT_FALSE(parsed) << c.text;
    EXPECT_TRUE(parsed.error().sentence);
    EXPECT_NE(parsed.error().message().find(c.why), std::string::npos) << parsed.error().message();
    EXPECT_NE(parsed.error().message().find("HOST[:CONTAINER][:PERMISSIONS]"), std::string::npos);
  }
}

TEST(DeviceRequest, RulesAddToDockersListAndMergeAsTheKernelDoes) {
  DeviceMapping kmsg{"/dev/kmsg", "/dev/kmsg", "r", 'c', 1, 11, 0644, 0, 0};
  DeviceMapping disk{"/dev/sda", "/dev/xvda", "rw", 'b', 8, 0, 0660, 0, 6};
  DeviceMapping nullAgain{"/dev/null", "/dev/null2", "r", 'c', 1, 3, 0666, 0, 0};
  DeviceMapping kmsgWrite = kmsg;
  kmsgWrite.permissions = "w";
  auto rules = deviceRulesWith({kmsg, disk, nullAgain, kmsgWrite});
  std::vector<std::string> lines;
  for (const auto& r : rules) lines.push_back(cgroup::v1DeviceLine(r));
  auto expected = std::vector<std::string>{"c *:* m",     "b *:* m",      "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",
                                           "c 1:8 rwm",   "c 1:9 rwm",    "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm",
                                           "c 136:* rwm", "c 10:200 rwm", "c 1:11 rw", "b 8:0 rw"};
  EXPECT_EQ(lines, expected);
}

TEST(DeviceRequest, TheCreateRequestTakesThemAsStrings) {
  auto request = parseCreateRequest(
      R"({"image": "busybox", "command": ["true"], "devices": ["/dev/kmsg:r", "/dev/sda:/dev/xvda"]})", 2);
  ASSERT_TRUE(request) << request.error().message();
  EXPECT_EQ(request->run.devices,
            (std::vector<DeviceRequest>{{"/dev/kmsg", "/dev/kmsg", "r"}, {"/dev/sda", "/dev/xvda", "rwm"}}));
  auto wrongType = parseCreateRequest(R"({"image": "busybox", "command": ["true"], "devices": "/dev/kmsg"})", 2);
  ASSERT_FALSE(wrongType);
  EXPECT_NE(wrongType.error().message().find("devices must be an array of strings"), std::string::npos);
  auto bad = parseCreateRequest(R"({"image": "busybox", "command": ["true"], "devices": ["/dev/kmsg:q"]})", 2);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("device \"/dev/kmsg:q\" is invalid"), std::string::npos)
      << bad.error().message();
}

TEST(DeviceRequest, TheRecordKeepsDevicesAndRulesAndKnowsAnOlderOne) {
  ContainerConfig config;
  config.spec.id = "0123";
  config.spec.hostname = "h";
  config.spec.imageRootfs = "/i";
  config.spec.layerDir = "/l";
  config.spec.args = {"true"};
  config.name = "n";
  config.cgroupPath = "/agent/0123";
  config.logPath = "/l/log";
  config.spec.devices = {{"/dev/kmsg", "/opt/kmsg", "r", 'c', 1, 11, 0644, 0, 4}};
  config.deviceRules = deviceRulesWith(config.spec.devices);
  auto read = configFromJson(toJson(config), "config.json");
  ASSERT_TRUE(read) << read.error().message();
  ASSERT_EQ(read->spec.devices.size(), 1u);
  EXPECT_EQ(read->spec.devices[0].containerPath, "/opt/kmsg");
  EXPECT_EQ(read->spec.devices[0].minor, 11u);
  EXPECT_EQ(read->spec.devices[0].gid, 4u);
  EXPECT_EQ(read->deviceRules, config.deviceRules);
  // A record of an agentd from before device confinement has no rules: nothing was confined.
  config.deviceRules.reset();
  config.spec.devices.clear();
  read = configFromJson(toJson(config), "config.json");
  ASSERT_TRUE(read);
  EXPECT_FALSE(read->deviceRules);
  EXPECT_TRUE(read->spec.devices.empty());
}
