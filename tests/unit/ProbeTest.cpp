#include <gtest/gtest.h>

#include <sstream>

#include "FixtureTree.h"
#include "Probe.h"

TEST(Probe, ReportsModeControllersAndNamespacesOfAFixtureHost) {
  agent::fixture::FixtureTree tree;
  std::string cg = tree.path("cgroup");
  tree.file("proc/self/mountinfo", "32 31 0:29 / " + cg + "/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n")
      .file("proc/self/cgroup", "2:cpu,cpuacct:/agent\n")
      .dir("cgroup/cpu,cpuacct")
      .dir("proc/self/ns")
      .dir("proc/1/ns")
      .symlink("net:[4026531840]", "proc/self/ns/net")
      .symlink("net:[4026531999]", "proc/1/ns/net");
  agent::ProbeOptions options;
  options.paths = {tree.path("proc"), cg};
  std::ostringstream out, err;
  ASSERT_EQ(agent::runProbe(options, out, err), 0) << err.str();
  std::string report = out.str();
  EXPECT_NE(report.find("cgroup mode: v1\n"), std::string::npos) << report;
  EXPECT_NE(report.find("  cpu        v1  " + cg + "/cpu,cpuacct\n"), std::string::npos) << report;
  EXPECT_NE(report.find("  memory     -   not available\n"), std::string::npos) << report;
  EXPECT_NE(report.find("  cpu,cpuacct: /agent\n"), std::string::npos) << report;
  EXPECT_NE(report.find("net"), std::string::npos);
  EXPECT_NE(report.find("4026531999    4026531840  (differs)"), std::string::npos) << report;
}

TEST(Probe, HostWithoutCgroupsFailsWithAReason) {
  agent::fixture::FixtureTree tree;
  tree.file("proc/self/mountinfo", "22 1 0:21 / /proc rw - proc proc rw\n").dir("cgroup");
  agent::ProbeOptions options;
  options.paths = {tree.path("proc"), tree.path("cgroup")};
  std::ostringstream out, err;
  EXPECT_EQ(agent::runProbe(options, out, err), 1);
  EXPECT_NE(err.str().find("cannot detect cgroups"), std::string::npos);
}
