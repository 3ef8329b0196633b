#include "InstallLayout.h"

#include "InstallPaths.h"

namespace agent {

namespace fs = std::filesystem;

std::string locateCompanion(const fs::path& selfExe, const std::string& besideRelative, const std::string& installed) {
  std::error_code ec;
  fs::path beside = (selfExe.parent_path() / besideRelative).lexically_normal();
  if (fs::exists(beside, ec)) return beside.string();
  if (fs::exists(installed, ec)) return installed;
  return beside.string();
}

fs::path selfExecutable() {
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec);
}

std::string shimExecutablePath() {
  return locateCompanion(selfExecutable(), "agent-shim", kInstalledShim);
}

std::string defaultSeccompProfilePath() {
  return locateCompanion(selfExecutable(), "../share/agent/seccomp/default.json", kInstalledSeccompProfile);
}

}  // namespace agent
