#include "LogReader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "LogFormat.h"
#include "StreamFrames.h"
#include "UniqueFd.h"

namespace agent::container {

namespace {

constexpr size_t kPlainFrameBytes = 65536;  // how an old plain log is cut into frames

// One file of the log as it was when opened (a file being written only grows).
struct LogSegment {
  bool exists = false;
  UniqueFd fd;
  uint64_t start = 0;  // position of its first frame (a plain log: 0)
  uint64_t end = 0;    // position after its last byte
  bool framed = true;  // false: a plain log of an older agent, all stdout, positions are offsets
  bool headed = true;  // false: its header not written yet (an older agent-shim makes it in place)
  uint64_t offsetOf(uint64_t position) const { return framed ? kLogHeaderBytes + position - start : position; }
};

Result<LogSegment> openSegment(const std::string& path) {
  LogSegment segment;
  segment.fd = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!segment.fd.valid()) {
    if (errno == ENOENT) return segment;
    return systemError("open log", path);
  }
  segment.exists = true;
  // The header before the size: a file whose whole header was read is at least that long when
  // it is measured. Measured first, a file made in place (an older shim: created, then its
  // header written) could read as 0 bytes long with a header, its end 16 bytes before its
  // start, and a reader's own position as past the end.
  char header[kLogHeaderBytes];
  ssize_t n = ::pread(segment.fd.get(), header, sizeof header, 0);
  if (n < 0) return systemError("read log header", path);
  struct stat st {};
  if (::fstat(segment.fd.get(), &st) != 0) return systemError("stat log", path);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  auto start =
      n == static_cast<ssize_t>(kLogHeaderBytes) ? parseLogFileHeader(std::string_view(header, n)) : std::nullopt;
  if (start) {
    segment.start = *start;
    segment.end = *start + size - kLogHeaderBytes;
  } else if (n == 0 || kLogMagic.substr(0, n) == std::string_view(header, n)) {
    segment.headed = false;  // a new file: its header is on the way
  } else {
    segment.framed = false;
    segment.end = size;
  }
  return segment;
}

struct LogSegments {
  LogSegment rotated, current;
};

// Both files, as one consistent picture, without waiting for agent-shim. The current file is
// opened first: a file only ever moves from `log` to `log.1`, so the rotated copy, opened
// after, is either the current file's predecessor (it ends where the current file starts) or
// a file no older than the current one (rotations in between), which is left out: the
// current file holds everything up to its end, and what came before it was discarded. Every
// position a read returns is then at most the end of a file that was `log` when it was read,
// and any later read opens that file or a newer one: it can always resume there. (Opened
// the other way round, a `log.1` opened just before a rotation and a `log` not there yet
// made a stale copy pass for the current file.)
Result<LogSegments> openLog(const std::string& path) {
  auto current = openSegment(path);
  if (!current) return tl::unexpected(current.error());
  auto rotated = openSegment(rotatedLogPath(path));
  if (!rotated) return tl::unexpected(rotated.error());
  LogSegments log{std::move(*rotated), std::move(*current)};
  bool rotatedReadable = log.rotated.exists && log.rotated.framed && log.rotated.headed;
  if (!log.current.exists || !log.current.headed) {
    // No whole current file: an older shim between its rename and its new file's header (or
    // a filesystem without hard links, between the renames). The rotated copy, opened after,
    // is the file that was `log` until then, or a newer one: it is the current file.
    log.current = rotatedReadable ? std::move(log.rotated) : LogSegment{};
    log.rotated = LogSegment{};
  } else if (!rotatedReadable || !log.current.framed || log.rotated.end != log.current.start) {
    // Not the current file's predecessor; a plain copy belongs to an older agent.
    log.rotated = LogSegment{};
  }
  return log;
}

Result<std::string> readAt(const LogSegment& segment, uint64_t offset, size_t bytes, const std::string& path) {
  std::string data(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = ::pread(segment.fd.get(), data.data() + got, bytes - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return systemError("read log", path);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  data.resize(got);
  return data;
}

// Appends the whole frames of `segment` from `position` to `out`, within `budget` bytes, and
// moves both on. True once it reached the segment's end (a frame cut short there is still
// being written).
Result<bool> readFrames(const LogSegment& segment, uint64_t& position, size_t& budget, std::string& out,
                        const std::string& path) {
  uint64_t available = segment.end - position;
  size_t want = static_cast<size_t>(std::min<uint64_t>(available, budget));
  auto bytes = readAt(segment, segment.offsetOf(position), want, path);
  if (!bytes) return tl::unexpected(bytes.error());
  if (!segment.framed) {
    for (size_t at = 0; at < bytes->size(); at += kPlainFrameBytes)
      appendFrame(out, OutputStream::Stdout, std::string_view(*bytes).substr(at, kPlainFrameBytes));
    position += bytes->size();
    budget -= bytes->size();
    return bytes->size() == available;
  }
  auto used = forEachFrame(*bytes, [](OutputStream, std::string_view) {});
  if (!used) {
    return userError("no frame of the output starts at offset " + std::to_string(position) +
                         "; ask again from an offset agentd's reply gave (Agent-Log-Offset)",
                     EINVAL);
  }
  out.append(*bytes, 0, *used);
  position += *used;
  budget -= *used;
  return want == available;
}

Result<LogChunk> readLog(const std::string& path, std::optional<uint64_t> position, size_t maxBytes, bool& plain) {
  auto log = openLog(path);
  if (!log) return tl::unexpected(log.error());
  LogChunk chunk;
  plain = log->current.exists && !log->current.framed;
  if (!log->current.exists) {  // nothing written yet
    chunk.position = position.value_or(0);
    chunk.caughtUp = true;
    return chunk;
  }
  const LogSegment& current = log->current;
  const LogSegment& rotated = log->rotated;
  uint64_t oldest = rotated.exists ? rotated.start : current.start;
  uint64_t at = position.value_or(oldest);
  if (plain && at > current.end) at = 0;  // an older agent's log was rotated: it starts over
  if (at > current.end) {
    return userError("offset " + std::to_string(at) + " is past the end of the output, " + std::to_string(current.end) +
                         "; ask again from an offset agentd's reply gave",
                     EINVAL);
  }
  if (at < oldest) {
    chunk.lost = oldest - at;
    at = oldest;
  }
  size_t budget = maxBytes == 0 ? 0 : std::max(maxBytes, kFrameHeaderBytes + kMaxFramePayload);
  if (rotated.exists && at < rotated.end) {
    auto ended = readFrames(rotated, at, budget, chunk.frames, rotatedLogPath(path));
    if (!ended) return tl::unexpected(ended.error());
    if (!*ended) {
      chunk.position = at;
      return chunk;
    }
    at = current.start;
  }
  auto ended = readFrames(current, at, budget, chunk.frames, path);
  if (!ended) return tl::unexpected(ended.error());
  chunk.position = at;
  chunk.caughtUp = *ended;
  return chunk;
}

}  // namespace

Result<LogChunk> readLogFrom(const std::string& path, std::optional<uint64_t> position, size_t maxBytes) {
  bool plain = false;
  return readLog(path, position, maxBytes, plain);
}

Result<LogChunk> readLogTail(const std::string& path, uint64_t lines, size_t maxBytes) {
  bool plain = false;
  auto all = readLog(path, std::nullopt, SIZE_MAX, plain);  // everything kept: at most twice the cap
  if (!all) return tl::unexpected(all.error());
  struct Frame {
    OutputStream stream;
    std::string_view payload;
    uint64_t position;  // where it starts
  };
  std::vector<Frame> frames;
  uint64_t position = all->position;
  (void)forEachFrame(all->frames, [&](OutputStream stream, std::string_view payload) {
    frames.push_back({stream, payload, 0});
  });
  for (size_t i = frames.size(); i-- > 0;) {
    position -= frames[i].payload.size() + (plain ? 0 : kFrameHeaderBytes);
    frames[i].position = position;
  }
  // Where the last `lines` lines start: after the lines-th newline from the end, not counting
  // one that ends the output.
  size_t first = lines == 0 ? frames.size() : 0, cut = 0;
  uint64_t newlines = 0;
  bool last = true, found = lines == 0;
  for (size_t f = frames.size(); f-- > 0 && !found;) {
    std::string_view payload = frames[f].payload;
    for (size_t i = payload.size(); i-- > 0 && !found;) {
      bool endsOutput = last;
      last = false;
      found = payload[i] == '\n' && !endsOutput && ++newlines == lines;
      if (found) {
        first = f;
        cut = i + 1;
      }
    }
  }
  LogChunk chunk;
  chunk.position = all->position;
  chunk.caughtUp = all->caughtUp;
  if (first == frames.size()) return chunk;
  size_t budget = std::max(maxBytes, kFrameHeaderBytes + kMaxFramePayload);
  if (cut < frames[first].payload.size())
    appendFrame(chunk.frames, frames[first].stream, frames[first].payload.substr(cut));
  size_t next = first + 1;
  for (; next < frames.size(); ++next) {
    if (chunk.frames.size() + kFrameHeaderBytes + frames[next].payload.size() > budget) break;
    appendFrame(chunk.frames, frames[next].stream, frames[next].payload);
  }
  if (next < frames.size()) {
    chunk.position = frames[next].position;
    chunk.caughtUp = false;
  }
  return chunk;
}

}  // namespace agent::container
