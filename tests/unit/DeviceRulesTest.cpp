// Docker's default device allow-list, the cgroup v1 writes that install it, and the
// devices.list read-back that checks them (the kernel's line format, lines as this host's
// kernel shows them after those writes).
#include <gtest/gtest.h>

#include "DeviceRules.h"

using namespace agent::cgroup;

namespace {

std::vector<std::string> lines(const std::vector<DeviceRule>& rules) {
  std::vector<std::string> out;
  for (const DeviceRule& r : rules) out.push_back(v1DeviceLine(r));
  return out;
}

}  // namespace

TEST(DeviceRules, DefaultIsDockersEffectiveAllowList) {
  // moby oci/defaults.go + runc AllowedDevices (spec_linux.go), crun default_devices[].
  EXPECT_EQ(
      lines(defaultDeviceAllowList()),
      (std::vector<std::string>{"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                                "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm"}));
}

TEST(DeviceRules, DefaultNeverAllowsUseOfHostDevicesOrFuse) {
  for (const DeviceRule& r : defaultDeviceAllowList()) {
    // Only mknod may be wildcarded; kmsg (1:11), mem (1:1), fuse (10:229) and every block
    // device stay unusable.
    if (!r.major || !r.minor) {
      EXPECT_TRUE(r.major == 136u || r.access == kDeviceMknod) << v1DeviceLine(r);
    }
    EXPECT_NE(r.type, DeviceType::All) << v1DeviceLine(r);
    if (r.type == DeviceType::Block) {
      EXPECT_EQ(r.access, kDeviceMknod) << v1DeviceLine(r);
    }
    EXPECT_FALSE(r.major == 10u && r.minor == 229u);
    EXPECT_FALSE(r.major == 1u && (r.minor == 1u || r.minor == 11u));
  }
}

TEST(DeviceRules, V1WritesDenyAllFirstThenOneAllowPerRule) {
  auto writes = planV1DeviceWrites(defaultDeviceAllowList());
  ASSERT_EQ(writes.size(), defaultDeviceAllowList().size() + 1);
  EXPECT_STREQ(writes[0].file, "devices.deny");
  EXPECT_EQ(writes[0].line, "a *:* rwm");
  for (size_t i = 1; i < writes.size(); ++i) {
    EXPECT_STREQ(writes[i].file, "devices.allow");
    EXPECT_EQ(writes[i].line, v1DeviceLine(defaultDeviceAllowList()[i - 1]));
    EXPECT_EQ(writes[i].line.find('\n'), std::string::npos);  // one entry per write(2)
  }
}

TEST(DeviceRules, LineFormatOrdersAccessAsTheKernelDoes) {
  EXPECT_EQ(v1DeviceLine({DeviceType::Block, 8, 0, kDeviceRead | kDeviceMknod}), "b 8:0 rm");
  EXPECT_EQ(v1DeviceLine({DeviceType::Char, std::nullopt, 3, kDeviceWrite}), "c *:3 w");
  EXPECT_EQ(v1DeviceLine({DeviceType::All, std::nullopt, std::nullopt, kDeviceRwm}), "a *:* rwm");
}

TEST(DeviceRules, ParsesDevicesListAsTheKernelWritesIt) {
  auto allowAll = parseV1DevicesList("a *:* rwm\n");
  ASSERT_TRUE(allowAll) << allowAll.error().message();
  EXPECT_EQ(lines(*allowAll), std::vector<std::string>{"a *:* rwm"});

  auto empty = parseV1DevicesList("");  // after "a" to devices.deny alone
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());

  auto listed = parseV1DevicesList("c *:* m\nb *:* m\nc 1:3 rwm\nc 136:* rwm\nb 8:16 r\n");
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_EQ(lines(*listed), (std::vector<std::string>{"c *:* m", "b *:* m", "c 1:3 rwm", "c 136:* rwm", "b 8:16 r"}));
}

TEST(DeviceRules, RefusesMalformedLinesNamingThem) {
  for (const char* bad : {"x 1:3 rwm", "c 1:3", "c 1-3 rwm", "c 1:3 rwx", "c 1:3 rrw", "c :3 rwm", "c 1:3 ", "c1:3 rwm",
                          "c 99999999999:3 rwm"}) {
    auto parsed = parseV1DevicesList(std::string(bad) + "\n");
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().message().find(bad), std::string::npos) << parsed.error().message();
  }
}

TEST(DeviceRules, MismatchIgnoresOrderAndNamesWhatDiffers) {
  const auto& want = defaultDeviceAllowList();
  std::vector<DeviceRule> reversed(want.rbegin(), want.rend());
  EXPECT_EQ(v1DeviceListMismatch(reversed, want), std::nullopt);

  // A group never restricted (allow-all) is not the allow-list.
  auto allowAll = *parseV1DevicesList("a *:* rwm\n");
  auto why = v1DeviceListMismatch(allowAll, want);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("missing b *:* m, c *:* m"), std::string::npos) << *why;
  EXPECT_NE(why->find("extra a *:* rwm"), std::string::npos) << *why;

  std::vector<DeviceRule> lessAccess = want;
  lessAccess[2].access = kDeviceRead;  // c 1:3 r
  why = v1DeviceListMismatch(lessAccess, want);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "missing c 1:3 rwm; extra c 1:3 r");
}
