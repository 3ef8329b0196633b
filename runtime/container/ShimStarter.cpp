#include "ShimStarter.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "TextParse.h"

namespace agent::container {

tl::expected<StartedShim, ShimStartFailure> startShim(const std::string& shimPath, const std::string& bundleDir) {
  auto failure = [](Error e, int code = 125) { return tl::unexpected(ShimStartFailure{std::move(e), code}); };
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return failure(Error{errno, bundleDir, "create a pipe for the shim of"});
  pid_t pid = ::fork();
  if (pid < 0) return failure(Error{errno, shimPath, "fork to start"});
  if (pid == 0) {
    ::setsid();  // its own session: agentd's signals and terminal never reach it
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(ready[1], STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::execl(shimPath.c_str(), shimPath.c_str(), "--bundle", bundleDir.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(ready[1]);
  // One line: up to its newline, or EOF if the shim died first.
  std::string line;
  char chunk[1024];
  ssize_t n;
  while (line.find('\n') == std::string::npos &&
         ((n = ::read(ready[0], chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))) {
    if (n > 0) line.append(chunk, static_cast<size_t>(n));
  }
  ::close(ready[0]);
  line = line.substr(0, line.find('\n') == std::string::npos ? line.size() : line.find('\n') + 1);
  if (!line.empty() && line.back() == '\n') line.pop_back();

  std::string_view rest = line;
  std::string_view word = text::nextField(rest);
  if (word == "started") {
    auto containerPid = text::toU64(text::nextField(rest));
    if (containerPid) return StartedShim{pid, static_cast<pid_t>(*containerPid)};
  }
  if (word == "failed") {
    auto code = text::toU64(text::nextField(rest));
    int status;
    ::waitpid(pid, &status, 0);
    return failure(Error{0, "", std::string(text::trim(rest))}, code ? static_cast<int>(*code) : 125);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return failure(Error{0, shimPath, "start the shim (it exited without a report; is " + shimPath + " installed?)"});
}

}  // namespace agent::container
