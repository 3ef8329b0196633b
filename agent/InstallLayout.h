#pragma once
// Where agentd finds its companions, agent-shim and the containers' default seccomp profile:
// first where the build tree puts them beside agentd (build/bin/agent-shim,
// build/share/agent/seccomp/default.json), then where `cmake --install` and the Debian
// package put them, compiled in from GNUInstallDirs (InstallPaths.h.in:
// /usr/libexec/agent/agent-shim, /usr/share/agent/seccomp/default.json).
#include <filesystem>
#include <string>

namespace agent {

// `selfExe`'s directory joined with `besideRelative` if that exists, else `installed` if that
// exists, else the first (so that the error a caller reports names the build tree's place).
std::string locateCompanion(const std::filesystem::path& selfExe, const std::string& besideRelative,
                            const std::string& installed);

// agentd's own binary (/proc/self/exe).
std::filesystem::path selfExecutable();

std::string shimExecutablePath();         // agent-shim
std::string defaultSeccompProfilePath();  // Docker's default profile (profiles/seccomp/default.json)

}  // namespace agent
