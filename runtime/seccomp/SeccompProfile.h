#pragma once
// A seccomp profile in Docker's JSON format (moby/profiles seccomp/default.json, the OCI
// runtime spec's LinuxSeccomp), as plain data after parsing and checking. The parser reads
// text and never opens a file: agentd reads the default profile, agentctl a user's.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::seccomp {

enum class Action { Allow, Errno, KillThread, KillProcess, Trap, Trace, Log };
enum class Compare { NotEqual, Less, LessOrEqual, Equal, GreaterOrEqual, Greater, MaskedEqual };

struct ArgCondition {
  unsigned index = 0;     // the syscall's argument, 0..5
  uint64_t value = 0;     // the mask for MaskedEqual
  uint64_t valueTwo = 0;  // the value compared with the masked argument for MaskedEqual
  Compare op = Compare::Equal;
};

// Docker's includes / excludes: caps as "CAP_..." (upper case), arches as Go's names (amd64,
// arm64, x86, x32, ...), minKernel as major.minor.
struct KernelVersion {
  unsigned major = 0, minor = 0;
  auto operator<=>(const KernelVersion&) const = default;
};
struct EntryFilter {
  std::vector<std::string> caps;
  std::vector<std::string> arches;
  std::optional<KernelVersion> minKernel;
};

struct SyscallEntry {
  std::vector<std::string> names;
  Action action = Action::Allow;
  std::optional<unsigned> errnoRet;  // ERRNO's errno (EPERM when absent), TRACE's message
  std::vector<ArgCondition> args;
  EntryFilter includes, excludes;
};

struct ArchMapEntry {
  std::string architecture;  // SCMP_ARCH_X86_64
  std::vector<std::string> subArchitectures;
};

struct SeccompProfile {
  Action defaultAction = Action::Errno;
  std::optional<unsigned> defaultErrnoRet;
  std::vector<ArchMapEntry> archMap;       // or, in the older form, only architectures
  std::vector<std::string> architectures;  // SCMP_ARCH_*, all of them used
  std::vector<SyscallEntry> syscalls;
};

// EINVAL naming the place (e.g. `syscalls[3].args[0].op`) and what is accepted there.
// Unknown keys are refused: a misspelt "excludes" would otherwise allow a syscall to all.
Result<SeccompProfile> parseSeccompProfile(std::string_view json);

// "4.8" or "5.10.0-rc1" -> {4, 8}; none when it does not start with major.minor.
std::optional<KernelVersion> parseKernelVersion(std::string_view text);

}  // namespace agent::seccomp
