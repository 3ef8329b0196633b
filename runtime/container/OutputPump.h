#pragma once
// agent-shim's copy of PID 1's stdout and stderr (two pipes) into the container's log, one
// frame per read, saying which stream it came from. Nothing is dropped: when the log is full
// and an attached reader still needs its rotated copy (ReaderLease.h), the pump stops reading
// the pipes until that reader has caught up or its lease has run out; meanwhile the pipes fill
// and the container's writes wait, as they would on a slow terminal.
#include <poll.h>

#include <memory>
#include <optional>
#include <string>

#include "LogFile.h"
#include "UniqueFd.h"

namespace agent::container {

// The pipes PID 1 writes to: give the write ends to the launcher (LaunchIo), then close them
// here, keep the read ends for the pump.
struct OutputPipes {
  UniqueFd stdoutRead, stdoutWrite, stderrRead, stderrWrite;
  static Result<OutputPipes> create();
  void closeWriteEnds() {
    stdoutWrite.reset();
    stderrWrite.reset();
  }
};

class OutputPump {
 public:
  static constexpr size_t kPollFds = 3;  // stdout, stderr, the reader leases' directory

  // Becomes `log`'s rotation gate: the leases are those in `bundleDir` (ReaderLease.h).
  OutputPump(OutputPipes pipes, LogFile& log, std::string bundleDir);
  OutputPump(const OutputPump&) = delete;
  OutputPump& operator=(const OutputPump&) = delete;
  // Fills kPollFds entries (-1 for those not to be polled now) for poll().
  void preparePoll(pollfd* fds);
  // How long poll() may wait for the pump's sake (-1: no limit): a held-back pump looks
  // again when the next lease runs out.
  int pollTimeoutMs() const;
  // After poll() returned (with the entries preparePoll filled): copies what is readable.
  void afterPoll(const pollfd* fds);
  // True while a pipe is open or output waits to be logged.
  bool busy() const;
  // After PID 1 ended: copies what is left until every writer has closed its pipe.
  void drain();

 private:
  bool copyFrom(UniqueFd& pipe, OutputStream stream);
  bool flushPending();
  bool mayDiscardBefore(uint64_t position);
  void watchLeases();

  OutputPipes pipes_;
  LogFile& log_;
  std::string bundleDir_;
  // Mapped, not allocated: its pages cost nothing until output arrives, and a container that
  // writes little (or only to a terminal) keeps the shim's memory at a few pages.
  struct Unmap {
    size_t size;
    void operator()(char* p) const;
  };
  std::unique_ptr<char, Unmap> buffer_;
  OutputStream pendingStream_ = OutputStream::Stdout;
  std::string pending_;     // read, not yet logged: the log waits for a reader
  int64_t retryAtMs_ = -1;  // CLOCK_BOOTTIME; when the first holding lease runs out
  UniqueFd leaseWatch_;     // inotify on the leases' directory, while held back
};

}  // namespace agent::container
