#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace agent::proc {

// One line of /proc/<pid>/mountinfo (proc(5)):
// "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
struct MountEntry {
  int mountId = 0;
  int parentId = 0;
  unsigned major = 0, minor = 0;
  std::string root;        // the part of the filesystem mounted here (a cgroup path for cgroupfs)
  std::string mountPoint;  // octal escapes (\040 for space) decoded
  std::string mountOptions;
  std::string fsType;
  std::string source;
  std::string superOptions;  // for cgroup v1: "rw,cpu,cpuacct" names the controllers

  // Whether `option` is one of the comma-separated super options.
  bool hasSuperOption(std::string_view option) const;
};

// Malformed lines are skipped.
std::vector<MountEntry> parseMountinfo(std::string_view text);

// Decodes the kernel's octal escapes in mountinfo paths ("\040" is a space).
std::string unescapeMountPath(std::string_view path);

}  // namespace agent::proc
