// agentctl run --device as a user types it: the node works in the container where a plain
// container gets EPERM, inspect shows it and how devices are confined, and bad input is
// refused in one sentence naming it, with nothing created.
#include <gtest/gtest.h>

#include "E2ESupport.h"

using namespace e2e;

TEST(DevicesE2E, AGivenDeviceWorksAndBadOnesAreRefused) {
  Agent agent;
  // A node for kmsg made in a plain container cannot be opened (opening it for writing needs
  // only the device rule, no CAP_SYSLOG).
  Ran plain = agent.ctl("run busybox -- sh -c 'mknod /dev/k c 1 11 && (exec 4>/dev/k) 2>&1; true'");
  EXPECT_EQ(plain.exitCode, 0) << plain.out;
  EXPECT_NE(plain.out.find("/dev/k: Operation not permitted"), std::string::npos) << plain.out;
  Ran given = agent.ctl(
      "run --name given --device /dev/kmsg:w --device /dev/null:/opt/mynull busybox -- "
      "sh -c '(exec 4>/dev/kmsg) && echo kmsg-opened; stat -c %t:%T /opt/mynull'");
  EXPECT_EQ(given.exitCode, 0) << given.out;
  EXPECT_NE(given.out.find("kmsg-opened\n1:3\n"), std::string::npos) << given.out;
  Ran inspected = agent.ctl("inspect given");
  EXPECT_NE(inspected.out.find("\"/dev/kmsg:/dev/kmsg:w\""), std::string::npos) << inspected.out;
  EXPECT_NE(inspected.out.find("\"/dev/null:/opt/mynull:rwm\""), std::string::npos) << inspected.out;

  Ran notDevice = agent.ctl("run --device /etc/passwd busybox -- true");
  EXPECT_EQ(notDevice.exitCode, 1) << notDevice.out;
  EXPECT_NE(notDevice.out.find("--device \"/etc/passwd\" is a regular file, not a character or block device"),
            std::string::npos)
      << notDevice.out;
  Ran badLetters = agent.ctl("run --device /dev/kmsg:/dev/kmsg:rx busybox -- true");
  EXPECT_EQ(badLetters.exitCode, 1) << badLetters.out;
  EXPECT_NE(badLetters.out.find("the permissions \"rx\" are not letters of r (read), w (write) and m (mknod)"),
            std::string::npos)
      << badLetters.out;
  Ran relative = agent.ctl("run --device dev/kmsg busybox -- true");
  EXPECT_EQ(relative.exitCode, 1) << relative.out;
  EXPECT_NE(relative.out.find("the host path \"dev/kmsg\" is not absolute"), std::string::npos) << relative.out;
  Ran all = agent.ctl("ps -a");
  EXPECT_EQ(all.out.find("passwd"), std::string::npos) << all.out;
}
