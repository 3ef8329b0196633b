#include "ProcFs.h"

#include "FileAt.h"
#include "TextParse.h"

namespace agent::proc {

std::string ProcFs::pidDir(pid_t pid) const {
  return root_ + "/" + (pid == 0 ? std::string("self") : std::to_string(pid));
}

Result<std::string> ProcFs::readPidFile(pid_t pid, const char* name) const {
  auto text = readWholeFile(pidDir(pid) + "/" + name);
  // A process that exits while we read its directory is gone, whatever errno says.
  if (!text && text.error().errnum == ESRCH) text.error().errnum = ENOENT;
  return text;
}

Result<ProcStat> ProcFs::readStat(pid_t pid) const {
  auto text = readPidFile(pid, "stat");
  if (!text) return tl::unexpected(text.error());
  auto stat = parseProcStat(*text);
  if (!stat) return logicError("parse", pidDir(pid) + "/stat");
  return *stat;
}

Result<ProcStatus> ProcFs::readStatus(pid_t pid) const {
  auto text = readPidFile(pid, "status");
  if (!text) return tl::unexpected(text.error());
  auto status = parseProcStatus(*text);
  if (!status) return logicError("parse", pidDir(pid) + "/status");
  return *status;
}

Result<std::vector<CgroupMembership>> ProcFs::readCgroup(pid_t pid) const {
  return readPidFile(pid, "cgroup").map([](const std::string& text) { return parseProcCgroup(text); });
}

Result<std::vector<MountEntry>> ProcFs::readMountinfo(pid_t pid) const {
  return readPidFile(pid, "mountinfo").map([](const std::string& text) { return parseMountinfo(text); });
}

Result<std::vector<NetDevStats>> ProcFs::readNetDev(pid_t pid) const {
  return readPidFile(pid, "net/dev").map([](const std::string& text) { return parseNetDev(text); });
}

Result<int64_t> ProcFs::readBootTimeSeconds() const {
  auto text = readWholeFile(root_ + "/stat");
  if (!text) return tl::unexpected(text.error());
  auto btime = parseBootTimeSeconds(*text);
  if (!btime) return logicError("find the boot time (btime) in", root_ + "/stat");
  return *btime;
}

Result<std::vector<pid_t>> ProcFs::listPids() const {
  auto dir = Dir::open(root_);
  if (!dir) return tl::unexpected(dir.error());
  auto names = listSubdirs(*dir);
  if (!names) return tl::unexpected(names.error());
  std::vector<pid_t> pids;
  for (const auto& name : *names) {
    if (auto pid = text::toU64(name)) pids.push_back(static_cast<pid_t>(*pid));
  }
  return pids;
}

}  // namespace agent::proc
