// A container's devices: Docker's allow-list in its devices cgroup (v1), written before its
// command runs. This host's build machines may refuse device opens from outside us, so the
// read-back of devices.list is the check that cannot pass vacuously here; the vm tier
// (cgroup v2) has no devices hierarchy and skips it until the BPF program exists.
#include "ContainerRuntime.h"
#include "DeviceRules.h"
#include "FileAt.h"
#include "HostTestSupport.h"

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;

TEST(Devices, AContainersDevicesListIsDockersAllowList) {
  Agent agent;
  auto info = agent.run({"sleep", "30"}, "devices-list");
  const auto* devices = HostEnvironment::hierarchy().mountFor(cgroup::Controller::Devices);
  if (!devices || devices->version != cgroup::CgroupVersion::V1) GTEST_SKIP() << "no cgroup v1 devices hierarchy";
  // The host has one: the container must be in it.
  auto group = cgroup::Cgroup::open(HostEnvironment::hierarchy(), info.config.cgroupPath,
                                    HostEnvironment::hierarchy().available(cgroup::containerControllers()));
  ASSERT_TRUE(group) << group.error().message();
  ASSERT_TRUE(group->has(cgroup::Controller::Devices)) << "the container has no devices cgroup";
  auto text = readWholeFileAt(*group->dirFor(cgroup::Controller::Devices), "devices.list");
  ASSERT_TRUE(text) << text.error().message();
  auto listed = cgroup::parseV1DevicesList(*text);
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_EQ(cgroup::v1DeviceListMismatch(*listed, cgroup::defaultDeviceAllowList()), std::nullopt) << *text;
}

TEST(Devices, MknodIsAllowedButUsingTheNodeIsNot) {
  Agent agent;
  auto info = agent.run({"sleep", "30"}, "devices-use");
  auto result =
      agent->exec("devices-use", {"sh", "-c",
                                  "mknod /tmp/kmsg c 1 11 && echo made; "
                                  "if cat /tmp/kmsg >/dev/null 2>/tmp/err; then echo opened; else cat /tmp/err; fi; "
                                  "echo x >/dev/null && head -c 4 /dev/zero | wc -c"});
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_NE(result->stdoutText.find("made\n"), std::string::npos) << result->stdoutText << result->stderrText;
  EXPECT_EQ(result->stdoutText.find("opened"), std::string::npos) << result->stdoutText;
  EXPECT_NE(result->stdoutText.find("Operation not permitted"), std::string::npos) << result->stdoutText;
  EXPECT_NE(result->stdoutText.find("4\n"), std::string::npos) << result->stdoutText;
}
