#include "OutputPump.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

#include "ReaderLease.h"

namespace agent::container {

namespace {
constexpr size_t kReadBytes = 64 * 1024;  // a whole default pipe buffer per read
constexpr int kRecheckMs = 1000;          // while held back, even without a word from inotify
}  // namespace

Result<OutputPipes> OutputPipes::create() {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return systemError("create the stdout pipe", "");
  if (::pipe2(err, O_CLOEXEC) != 0) {
    int saved = errno;
    ::close(out[0]);
    ::close(out[1]);
    return systemError("create the stderr pipe", "", saved);
  }
  return OutputPipes{UniqueFd(out[0]), UniqueFd(out[1]), UniqueFd(err[0]), UniqueFd(err[1])};
}

void OutputPump::Unmap::operator()(char* p) const {
  if (p) ::munmap(p, size);
}

OutputPump::OutputPump(OutputPipes pipes, LogFile& log, std::string bundleDir)
    : pipes_(std::move(pipes)), log_(log), bundleDir_(std::move(bundleDir)), buffer_(nullptr, Unmap{kReadBytes}) {
  pipes_.closeWriteEnds();
  void* mapped = ::mmap(nullptr, kReadBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped != MAP_FAILED) buffer_.reset(static_cast<char*>(mapped));
  log_.setRotationGate([this](uint64_t position) { return mayDiscardBefore(position); });
}

bool OutputPump::mayDiscardBefore(uint64_t position) {
  int64_t now = bootTimeMs();
  retryAtMs_ = -1;
  for (const auto& lease : runningReaderLeases(bundleDir_, now)) {
    if (lease.position >= position) continue;
    retryAtMs_ = retryAtMs_ < 0 ? lease.expiresAtMs : std::min(retryAtMs_, lease.expiresAtMs);
  }
  return retryAtMs_ < 0;
}

void OutputPump::watchLeases() {
  if (leaseWatch_.valid()) return;
  leaseWatch_ = UniqueFd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!leaseWatch_.valid()) return;  // then the pump looks again every kRecheckMs
  std::string dir = readerLeaseDir(bundleDir_);
  (void)::inotify_add_watch(leaseWatch_.get(), dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE);
}

bool OutputPump::flushPending() {
  auto taken = log_.append(pendingStream_, pending_);
  // A log that cannot be written (a full disk) loses this piece; the pump goes on.
  pending_.erase(0, taken ? *taken : pending_.size());
  if (!pending_.empty()) return false;
  leaseWatch_.reset();
  retryAtMs_ = -1;
  return true;
}

bool OutputPump::copyFrom(UniqueFd& pipe, OutputStream stream) {
  char small[4096];  // only when the mapping failed (no memory): slower, but nothing is lost
  char* into = buffer_ ? buffer_.get() : small;
  ssize_t n = ::read(pipe.get(), into, buffer_ ? kReadBytes : sizeof small);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) {
    pipe.reset();
    return false;
  }
  pendingStream_ = stream;
  pending_.assign(into, static_cast<size_t>(n));
  if (!flushPending()) watchLeases();
  return true;
}

void OutputPump::preparePoll(pollfd* fds) {
  bool held = !pending_.empty();
  fds[0] = {held ? -1 : pipes_.stdoutRead.get(), POLLIN, 0};
  fds[1] = {held ? -1 : pipes_.stderrRead.get(), POLLIN, 0};
  fds[2] = {held ? leaseWatch_.get() : -1, POLLIN, 0};
}

int OutputPump::pollTimeoutMs() const {
  if (pending_.empty()) return -1;
  int64_t left = retryAtMs_ < 0 ? kRecheckMs : retryAtMs_ - bootTimeMs() + 1;
  return static_cast<int>(std::clamp<int64_t>(left, 0, kRecheckMs));
}

void OutputPump::afterPoll(const pollfd* fds) {
  if (!pending_.empty()) {
    if (fds[2].revents != 0) {
      char events[4096];
      while (::read(leaseWatch_.get(), events, sizeof events) > 0) {
      }
    }
    flushPending();
    return;
  }
  // stdout first when both are ready: the order within each stream is what is kept exactly.
  if (fds[0].revents != 0) copyFrom(pipes_.stdoutRead, OutputStream::Stdout);
  if (fds[1].revents != 0 && pending_.empty()) copyFrom(pipes_.stderrRead, OutputStream::Stderr);
}

bool OutputPump::busy() const {
  return pipes_.stdoutRead.valid() || pipes_.stderrRead.valid() || !pending_.empty();
}

void OutputPump::drain() {
  while (busy()) {
    pollfd fds[kPollFds];
    preparePoll(fds);
    if (::poll(fds, kPollFds, pollTimeoutMs()) < 0 && errno != EINTR) return;
    afterPoll(fds);
  }
}

}  // namespace agent::container
