#include "ExecStreams.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ExecTerminal.h"

namespace agent::container {

namespace {

constexpr int kTerminalWaitMs = 10000;  // joining takes milliseconds; a stuck helper is no session

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> makePipe(const std::string& what) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return systemError("create a pipe for exec in", what);
  return Pipe{UniqueFd(ends[0]), UniqueFd(ends[1])};
}

// What the helper wrote on its stderr before it ended (it failed before the command ran).
std::string saidBy(int fd) {
  std::string said;
  char buffer[1024];
  ssize_t n;
  while (said.size() < 4096 && (n = ::read(fd, buffer, sizeof buffer)) > 0) said.append(buffer, static_cast<size_t>(n));
  while (!said.empty() && said.back() == '\n') said.pop_back();
  return said;
}

}  // namespace

Result<ExecStreams> startExecStreams(pid_t pid1, const cgroup::Cgroup& group, const std::vector<std::string>& args,
                                     const std::vector<std::string>& env, const std::string& shimPath,
                                     const ExecConfinement& confinement, const ExecStreamOptions& options) {
  ExecStreams streams;
  streams.tty = options.tty;
  if (options.tty) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
      return systemError("create the terminal's socket for exec in", group.path());
    UniqueFd ours(pair[0]), theirs(pair[1]);
    auto messages = makePipe(group.path());  // the helper's stderr until the terminal is its
    if (!messages) return tl::unexpected(messages.error());
    ExecStdio stdio{-1, messages->write.get(), messages->write.get(), theirs.get(), options.rows, options.columns};
    auto helper = spawnExecHelper(pid1, group, args, env, shimPath, confinement, stdio);
    if (!helper) return tl::unexpected(helper.error());
    theirs.reset();
    messages->write.reset();
    auto master = receiveTerminal(ours.get(), kTerminalWaitMs);
    if (!master) {
      if (master.error().errnum == ETIMEDOUT) ::kill(*helper, SIGKILL);
      int code = execExitCode(*helper);
      std::string said = saidBy(messages->read.get());
      if (code == kExecExitCannotJoin && said.empty())
        return userError("exec could not join the container of cgroup " + group.path() + ": it has stopped meanwhile",
                         ESRCH);
      return userError(said.empty() ? master.error().message() : said, EIO);
    }
    streams.helper = *helper;
    streams.terminal = std::move(*master);
    return streams;
  }
  auto out = makePipe(group.path());
  if (!out) return tl::unexpected(out.error());
  auto err = makePipe(group.path());
  if (!err) return tl::unexpected(err.error());
  std::optional<Pipe> in;
  if (options.openStdin) {
    auto made = makePipe(group.path());
    if (!made) return tl::unexpected(made.error());
    in = std::move(*made);
  }
  ExecStdio stdio{in ? in->read.get() : -1, out->write.get(), err->write.get()};
  auto helper = spawnExecHelper(pid1, group, args, env, shimPath, confinement, stdio);
  if (!helper) return tl::unexpected(helper.error());
  streams.helper = *helper;
  if (in) streams.input = std::move(in->write);
  streams.output = std::move(out->read);
  streams.errors = std::move(err->read);
  return streams;
}

}  // namespace agent::container
