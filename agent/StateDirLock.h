#pragma once
// One agentd per state directory. Two on the same one fight over everything in it: the
// second removed the first's standby cgroups at start (its next runs failed) and its `api`
// file at exit. agentd holds an exclusive flock on <state-dir>/agentd.lock for its whole life
// (the kernel drops it when agentd ends, however it ends); the file names the holder's pid
// for the message a second agentd gives.
//
// The descriptor is close-on-exec and closed in every child agentd forks without exec (the
// exec helper): a shim or an exec outliving agentd never keeps the next agentd out.
#include <string>

#include "Error.h"
#include "UniqueFd.h"

namespace agent {

class StateDirLock {
 public:
  // Takes the lock, or says who holds it (that agentd's pid) and what to do.
  static Result<StateDirLock> acquire(const std::string& stateDir);
  const std::string& path() const { return path_; }

 private:
  StateDirLock(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  std::string path_;
  UniqueFd fd_;
};

}  // namespace agent
