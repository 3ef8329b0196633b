#include "AtomicFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "UniqueFd.h"

namespace agent {

Result<void> writeFileAtomically(const std::string& dir, const std::string& name, std::string_view content,
                                 mode_t mode) {
  std::string target = dir + "/" + name;
  std::string temporary = dir + "/." + name + ".tmp" + std::to_string(::getpid());
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return systemError("create", temporary);
  (void)::fchmod(fd.get(), mode);  // the mode asked for, whatever the umask
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::unlink(temporary.c_str());
      return systemError("write", temporary, err);
    }
    written += static_cast<size_t>(n);
  }
  fd.reset();
  if (::rename(temporary.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(temporary.c_str());
    return systemError("rename into place", target, err);
  }
  return {};
}

}  // namespace agent
