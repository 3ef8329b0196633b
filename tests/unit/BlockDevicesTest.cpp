// Block device names for the `device` label, from sysfs uevent files (a fixture tree here).
#include "BlockDevices.h"

#include <gtest/gtest.h>

#include "FixtureTree.h"

using namespace agent;

TEST(BlockDevices, ReadsDevNameFromUevent) {
  EXPECT_EQ(proc::parseUeventDevName("MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n"), "sda");
  EXPECT_EQ(proc::parseUeventDevName("MAJOR=253\nMINOR=0\nDEVNAME=dm-0"), "dm-0");
  EXPECT_EQ(proc::parseUeventDevName("MAJOR=8\nMINOR=0\n"), "");
  EXPECT_EQ(proc::parseUeventDevName(""), "");
}

TEST(BlockDevices, NamesKnownDevicesAndLeavesOthersEmpty) {
  fixture::FixtureTree sys;
  sys.file("dev/block/8:0/uevent", "MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n");
  sys.file("dev/block/259:1/uevent", "MAJOR=259\nMINOR=1\nDEVNAME=nvme0n1p1\nDEVTYPE=partition\n");
  proc::BlockDevices devices(sys.root());
  EXPECT_EQ(devices.nameOf(8, 0), "/dev/sda");
  EXPECT_EQ(devices.nameOf(259, 1), "/dev/nvme0n1p1");
  EXPECT_EQ(devices.nameOf(7, 7), "");
  // Asked once: a device named later is not looked up again (devices do not change numbers).
  sys.file("dev/block/8:0/uevent", "MAJOR=8\nMINOR=0\nDEVNAME=renamed\n");
  EXPECT_EQ(devices.nameOf(8, 0), "/dev/sda");
}
