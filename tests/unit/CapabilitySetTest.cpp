// Capability names and Docker's combination of --cap-add / --cap-drop (moby's
// NormalizeLegacyCapabilities and TweakCapabilities).
#include <gtest/gtest.h>

#include "CapabilitySet.h"
#include "ContainerRecord.h"

using namespace agent::container;

namespace {

CapabilitySet combined(const std::vector<std::string>& add, const std::vector<std::string>& drop) {
  auto caps = combineCapabilities(dockerDefaultCapabilities(), add, drop);
  if (!caps) throw std::runtime_error(caps.error().message());
  return *caps;
}

std::vector<std::string> names(const std::vector<std::string>& add, const std::vector<std::string>& drop) {
  return capabilityNames(combined(add, drop));
}

}  // namespace

TEST(CapabilitySet, DockersDefaultIsItsFourteen) {
  // CapEff 00000000a80425fb, what `docker run busybox grep Cap /proc/self/status` shows.
  EXPECT_EQ(dockerDefaultCapabilities().bits(), 0xa80425fbu);
  EXPECT_EQ(capabilityNames(dockerDefaultCapabilities()).size(), 14u);
}

TEST(CapabilitySet, NamesWithOrWithoutCapInAnyCase) {
  for (const char* name : {"NET_RAW", "CAP_NET_RAW", "net_raw", "cap_net_raw", "Cap_Net_Raw"}) {
    auto cap = capabilityNumber(name);
    ASSERT_TRUE(cap) << name;
    EXPECT_EQ(*cap, 13) << name;
  }
  EXPECT_EQ(*capabilityNumber("CHECKPOINT_RESTORE"), 40);
  EXPECT_EQ(capabilityName(21), "CAP_SYS_ADMIN");
}

TEST(CapabilitySet, UnknownNamesAndNumbersAreRefusedByName) {
  for (const char* name : {"NET_RAWW", "CAP_", "", "13", "CAP_13", "ALL_THE_THINGS"}) {
    auto cap = capabilityNumber(name);
    ASSERT_FALSE(cap) << name;
    EXPECT_NE(cap.error().message().find("unknown capability \"" + std::string(name) + "\""), std::string::npos)
        << cap.error().message();
  }
  auto caps = combineCapabilities(dockerDefaultCapabilities(), {"NET_ADMIN", "SYS_WIZARD"}, {});
  ASSERT_FALSE(caps);
  EXPECT_EQ(caps.error().errnum, EINVAL);
  EXPECT_NE(caps.error().message().find("\"SYS_WIZARD\""), std::string::npos) << caps.error().message();
  // A bad name in a drop is refused even under ALL, which would not use it.
  EXPECT_FALSE(combineCapabilities(dockerDefaultCapabilities(), {"ALL"}, {"NOPE"}));
}

TEST(CapabilitySet, AddAndDropOnTopOfTheDefault) {
  auto caps = combined({"sys_admin"}, {"CAP_NET_RAW"});
  EXPECT_TRUE(caps.has(21));
  EXPECT_FALSE(caps.has(13));
  EXPECT_EQ(caps.bits(), (dockerDefaultCapabilities().bits() | 1u << 21) & ~(1u << 13));
  EXPECT_EQ(combined({}, {}), dockerDefaultCapabilities());
}

TEST(CapabilitySet, DropAllThenAddGivesOnlyTheAdded) {
  EXPECT_EQ(names({"NET_BIND_SERVICE", "chown"}, {"ALL"}),
            (std::vector<std::string>{"CAP_CHOWN", "CAP_NET_BIND_SERVICE"}));
  EXPECT_EQ(names({}, {"all"}), std::vector<std::string>{});
}

TEST(CapabilitySet, AddAllGivesEveryCapabilityButTheDropped) {
  auto caps = combined({"ALL"}, {"SYS_ADMIN"});
  EXPECT_EQ(caps.bits(), allKnownCapabilities().bits() & ~(uint64_t{1} << 21));
  // ALL in both: add wins, as in moby.
  EXPECT_EQ(combined({"ALL"}, {"ALL"}), allKnownCapabilities());
}

TEST(CapabilitySet, DropThenAddTheSameKeepsIt) {
  EXPECT_TRUE(combined({"NET_RAW"}, {"NET_RAW"}).has(13));
}

TEST(CapabilitySet, TheRecordKeepsTheSetAndOldRecordsGetTheDefault) {
  ContainerConfig config;
  config.spec.id = "abc";
  config.spec.capabilities = combined({"SYS_ADMIN"}, {"NET_RAW"});
  auto back = configFromJson(toJson(config), "config.json");
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->spec.capabilities, config.spec.capabilities);

  auto old =
      configFromJson(R"({"id":"abc","name":"n","hostname":"h","image_rootfs":"/r","layer_dir":"/l","args":["sh"],)"
                     R"("cgroup_path":"/agent/abc","log_path":"/log"})",
                     "config.json");
  ASSERT_TRUE(old) << old.error().message();
  EXPECT_EQ(old->spec.capabilities, dockerDefaultCapabilities());

  auto bad =
      configFromJson(R"({"id":"abc","name":"n","hostname":"h","image_rootfs":"/r","layer_dir":"/l","args":["sh"],)"
                     R"("cgroup_path":"/agent/abc","log_path":"/log","capabilities":["CAP_NOPE"]})",
                     "config.json");
  EXPECT_FALSE(bad);
}
