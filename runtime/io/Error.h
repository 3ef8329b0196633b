#pragma once
// The project's one error style: functions that can fail return Result<T>, a tl::expected
// holding either the value or an Error. An Error carries errno AND the path it concerns,
// so every message says what was attempted, on which file, and why it failed.
#include <cerrno>
#include <string>
#include <tl/expected.hpp>

namespace agent {

struct Error {
  int errnum = 0;      // errno value; 0 when the failure is not a system call's
  std::string path;    // file or directory concerned; may be empty
  std::string action;  // what was attempted, e.g. "open for reading"; or a whole sentence
  // `action` is a sentence for a person that says what was wrong and what to do (a user's
  // bad input): message() is that sentence alone, without the errno's text.
  bool sentence = false;

  // "open for reading `/sys/fs/cgroup/cpu/x/cpu.stat`: No such file or directory"
  std::string message() const;

  // The object disappeared while we worked on it: a cgroup removed between listing and
  // reading (ENOENT, ENODEV), or a process that exited (ESRCH). Callers treat it as absent.
  bool isGone() const { return errnum == ENOENT || errnum == ENODEV || errnum == ESRCH; }
};

template <typename T>
using Result = tl::expected<T, Error>;

// Builds the unexpected value from the current errno (or a given one).
tl::unexpected<Error> systemError(std::string action, std::string path, int errnum = errno);
// A failure that is not a system call's: bad content, a timeout with a reason, etc.
tl::unexpected<Error> logicError(std::string action, std::string path, int errnum = EINVAL);
// Bad input, in one sentence: what was wrong, why, what to do. `errnum` only classifies it
// (EINVAL: invalid; ENOENT: not found; EBUSY: conflict) and is not shown.
tl::unexpected<Error> userError(std::string sentence, int errnum = EINVAL);

}  // namespace agent
