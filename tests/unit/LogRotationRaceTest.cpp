// Readers racing agent-shim's rotation: one thread appends to a small log as fast as it can
// (a rotation every 4 KiB), others read it meanwhile as agentd does for `run`, `logs -f` and
// `logs --tail`. Every position a read returns must be one the next read resumes from, a
// reader holding the rotation back receives every byte once and in order, and one that does
// not is told how much it lost and receives the rest in order; also while a shim started
// before an upgrade rotates the old way. CI's `make test` on a loaded machine once read a
// new file's header but not its size, and refused the reader's own position ("offset is past
// the end of the output", 16 bytes short).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "FixtureTree.h"
#include "LogFile.h"
#include "LogFormat.h"
#include "LogReader.h"
#include "StreamFrames.h"
#include "UniqueFd.h"

using namespace agent;
using namespace agent::container;
using agent::fixture::FixtureTree;

namespace {

// "1\n2\n3\n...": any piece of it says where it was cut from.
struct NumberedText {
  std::string text;
  std::vector<size_t> lineStart;  // lineStart[n]: where "n\n" starts

  explicit NumberedText(size_t bytes) {
    lineStart.push_back(0);
    for (size_t n = 1; text.size() < bytes; ++n) {
      lineStart.push_back(text.size());
      text += std::to_string(n) + "\n";
    }
  }
  // True if `piece` is a piece of the text (one without a whole line in it is taken as one).
  bool holds(std::string_view piece) const {
    size_t newline = piece.find('\n');
    if (newline == std::string_view::npos || newline + 1 == piece.size()) return true;
    size_t end = piece.find('\n', newline + 1);
    if (end == std::string_view::npos) return true;
    uint64_t line = 0;
    std::string_view digits = piece.substr(newline + 1, end - newline - 1);
    auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), line);
    if (parsed.ec != std::errc() || parsed.ptr != digits.data() + digits.size()) return false;
    if (line == 0 || line >= lineStart.size() || lineStart[line] < newline + 1) return false;
    size_t at = lineStart[line] - (newline + 1);
    return text.compare(at, piece.size(), piece) == 0;
  }
};

std::string payloads(std::string_view frames, std::string& problem) {
  std::string out;
  auto used = forEachFrame(frames, [&](OutputStream stream, std::string_view payload) {
    if (stream != OutputStream::Stdout) problem = "a frame of stream " + std::to_string(static_cast<int>(stream));
    out += payload;
  });
  if (!used || *used != frames.size()) problem = "a read returned something that is not whole frames";
  return out;
}

// Enough of a race: this many rotations and the time given, or far too long (a machine so
// loaded that even that many did not happen fails the rotation count).
constexpr uint64_t kRotations = 500;
bool raced(std::chrono::steady_clock::time_point started, std::chrono::steady_clock::duration time,
           uint64_t endPosition) {
  auto ran = std::chrono::steady_clock::now() - started;
  return (ran >= time && endPosition / LogFile::kMinLogBytes >= kRotations) || ran >= 10 * time;
}

// How agent-shim rotated before, as a shim started before an upgrade still does: `log` renamed
// to `log.1`, then a new `log` created in place and its header written after it.
class InPlaceRotatingLog {
 public:
  InPlaceRotatingLog(std::string path, LogFile::RotationGate mayDiscardBefore)
      : path_(std::move(path)), gate_(std::move(mayDiscardBefore)) {
    startFile(0);
  }
  Result<size_t> append(OutputStream stream, std::string_view bytes) {
    if (size_ + kFrameHeaderBytes >= LogFile::kMinLogBytes) {
      if (start_ > 0 && !gate_(start_)) return 0;
      if (::rename(path_.c_str(), rotatedLogPath(path_).c_str()) != 0) return systemError("rotate log", path_);
      startFile(endPosition());
    }
    size_t piece = std::min<uint64_t>(bytes.size(), LogFile::kMinLogBytes - size_ - kFrameHeaderBytes);
    std::string frame;
    appendFrame(frame, stream, bytes.substr(0, piece));
    if (!fd_.valid() || ::write(fd_.get(), frame.data(), frame.size()) != static_cast<ssize_t>(frame.size()))
      return systemError("write log", path_);
    size_ += frame.size();
    return piece;
  }
  uint64_t endPosition() const { return start_ + size_ - kLogHeaderBytes; }

 private:
  void startFile(uint64_t start) {
    fd_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
    std::string header = logFileHeader(start);
    if (fd_.valid()) (void)!::write(fd_.get(), header.data(), header.size());
    start_ = start;
    size_ = kLogHeaderBytes;
  }

  std::string path_;
  LogFile::RotationGate gate_;
  UniqueFd fd_;
  uint64_t start_ = 0, size_ = 0;
};

// What one reading thread saw.
struct ReaderReport {
  std::string problem;  // empty: every read succeeded and fitted
  size_t reads = 0;
  std::string received;  // the leased readers: every payload, in order
  uint64_t lost = 0;     // the follower: what it was told it lost
};

struct Race {
  static constexpr size_t kLeasedReaders = 1, kFollowers = 2, kReaders = kLeasedReaders + kFollowers;
  FixtureTree tree;
  std::string path;
  NumberedText written{32 << 20};
  // Where each reader reads next (the leased readers first: these are their leases), and
  // whether it stopped (failed or done): then it holds nothing back any more.
  std::atomic<uint64_t> positions[kReaders] = {};
  std::atomic<bool> stopped[kReaders] = {};
  std::atomic<bool> writing{true};
  std::atomic<uint64_t> endPosition{0};
  size_t writtenBytes = 0;
  std::string writerProblem;

  Race() {
    tree.dir("c");
    path = tree.path("c/log");
  }

  bool mayDiscardBefore(uint64_t position) const {
    for (size_t i = 0; i < kLeasedReaders; ++i) {
      if (!stopped[i] && positions[i] < position) return false;
    }
    return true;
  }
  LogFile::RotationGate gate() {
    return [this](uint64_t position) { return mayDiscardBefore(position); };
  }
  bool everyReaderAt(uint64_t position) const {
    for (size_t i = 0; i < kReaders; ++i) {
      if (!stopped[i] && positions[i] < position) return false;
    }
    return true;
  }

  template <typename Log>
  void write(Log& log, std::chrono::steady_clock::duration time) {
    auto started = std::chrono::steady_clock::now();
    uint32_t random = 12345;
    for (size_t appends = 0; !raced(started, time, log.endPosition()) && writtenBytes + 8192 < written.text.size();
         ++appends) {
      random = random * 1103515245 + 12345;
      size_t piece = 1 + (random >> 16) % 4096;  // pieces of any size, cut anywhere
      std::string_view bytes = std::string_view(written.text).substr(writtenBytes, piece);
      while (!bytes.empty()) {
        auto taken = log.append(OutputStream::Stdout, bytes);
        if (!taken) {
          writerProblem = taken.error().message();
          writing = false;
          return;
        }
        bytes.remove_prefix(*taken);
        writtenBytes += *taken;
        if (!bytes.empty()) std::this_thread::yield();  // held back until the leased reader moves on
      }
      // In turns: the writer waits for every reader to have read everything, so that its
      // rotations happen while they all read at the new file's start (where CI's failure
      // struck); then it runs ahead, and the followers lose output.
      while ((appends / 256) % 2 == 0 && !everyReaderAt(log.endPosition())) std::this_thread::yield();
    }
    endPosition = log.endPosition();
    writing = false;
  }

  // As `agentctl run` reads through agentd: from 0, its position held as a lease.
  void readLeased(size_t reader, ReaderReport& report) {
    uint64_t position = 0;
    while (report.problem.empty()) {
      bool finished = !writing;  // before the read: a read after the last write sees everything
      auto chunk = readLogFrom(path, position, 1);
      ++report.reads;
      if (!chunk) {
        report.problem = "read " + std::to_string(report.reads) + " from " + std::to_string(position) + ": " +
                         chunk.error().message();
        break;
      }
      if (chunk->lost > 0) report.problem = std::to_string(chunk->lost) + " bytes lost at " + std::to_string(position);
      report.received += payloads(chunk->frames, report.problem);
      position = chunk->position;
      positions[reader] = position;
      if (finished && chunk->caughtUp) break;
      if (chunk->caughtUp) std::this_thread::yield();  // a writer waiting for it runs first
    }
    stopped[reader] = true;
  }

  // As `logs -f` reads: no lease, from the oldest output kept, now and then starting over at
  // the last lines (`--tail`).
  void readFollowing(size_t reader, ReaderReport& report) {
    std::optional<uint64_t> position;
    std::string run;  // what it received since it last lost something or started over
    while (report.problem.empty()) {
      bool finished = !writing;
      bool tail = report.reads % 8 == 7;
      auto chunk = tail ? readLogTail(path, 2, 1 << 20) : readLogFrom(path, position, 1 << 20);
      ++report.reads;
      if (!chunk) {
        report.problem = std::string(tail ? "tail" : "read") + " " + std::to_string(report.reads) + " from " +
                         (position ? std::to_string(*position) : "the start") + ": " + chunk.error().message();
        break;
      }
      if (chunk->lost > 0 || tail) {
        if (!written.holds(run)) report.problem = "received out of order: " + run.substr(0, 200);
        run.clear();
        report.lost += chunk->lost;
      }
      run += payloads(chunk->frames, report.problem);
      if (position && !tail && chunk->position < *position) report.problem = "its position went back";
      position = chunk->position;
      positions[reader] = *position;
      if (finished && chunk->caughtUp) break;
      if (chunk->caughtUp) std::this_thread::yield();  // a writer waiting for it runs first
    }
    stopped[reader] = true;
    if (report.problem.empty() && !written.holds(run)) report.problem = "received out of order: " + run.substr(0, 200);
    if (report.problem.empty() && position != endPosition) report.problem = "it did not end at the end of the output";
  }
};

// Runs `writer` against one leased reader and two followers and checks what they saw.
void race(Race& race, const std::function<void()>& writer) {
  ReaderReport leased[Race::kLeasedReaders], following[Race::kFollowers];
  std::vector<std::thread> threads;
  threads.emplace_back(writer);
  for (size_t i = 0; i < Race::kLeasedReaders; ++i) threads.emplace_back([&, i] { race.readLeased(i, leased[i]); });
  for (size_t i = 0; i < Race::kFollowers; ++i)
    threads.emplace_back([&, i] { race.readFollowing(Race::kLeasedReaders + i, following[i]); });
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(race.writerProblem, "");
  uint64_t rotations = race.endPosition / LogFile::kMinLogBytes;
  EXPECT_GE(rotations, kRotations) << "the test needs many rotations";
  std::string writtenText = race.written.text.substr(0, race.writtenBytes);
  size_t reads = 0;
  uint64_t lost = 0;
  for (const auto& reader : leased) {
    EXPECT_EQ(reader.problem, "") << "a leased reader, after " << rotations << " rotations";
    EXPECT_EQ(reader.received.size(), writtenText.size());
    EXPECT_TRUE(reader.received == writtenText) << "a leased reader lost or repeated output";
    reads += reader.reads;
  }
  for (const auto& reader : following) {
    EXPECT_EQ(reader.problem, "") << "a follower, after " << rotations << " rotations";
    reads += reader.reads;
    lost += reader.lost;
  }
  std::cout << "[          ] " << rotations << " rotations, " << reads << " reads, " << lost
            << " bytes lost to the followers\n";
}

}  // namespace

TEST(OutputLogRace, EveryPositionAReadReturnsIsOneTheNextReadResumesFrom) {
  Race state;
  race(state, [&] {
    auto log = LogFile::open(state.path, LogFile::kMinLogBytes, state.gate());
    if (log)
      state.write(*log, std::chrono::seconds(3));
    else
      state.writerProblem = log.error().message(), state.writing = false;
  });
}

TEST(OutputLogRace, AShimThatRotatesTheOldWayIsReadAsSafely) {
  Race state;
  race(state, [&] {
    InPlaceRotatingLog log(state.path, state.gate());
    state.write(log, std::chrono::seconds(3));
  });
}

// `log` always names a whole file, header included, and `log.1` too once there is one: a
// rotation makes the new file aside and renames it into place, and keeps the old one by a
// link before it is replaced. Before, `log` was missing between the rename and the new file,
// and then had no header until it was written.
TEST(OutputLogRace, TheLogIsNeverMissingNorWithoutItsHeaderWhileItRotates) {
  FixtureTree tree;
  tree.dir("c");
  std::string path = tree.path("c/log");
  auto log = LogFile::open(path, LogFile::kMinLogBytes);
  ASSERT_TRUE(log) << log.error().message();
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    std::string piece(3000, 'x');
    for (auto started = std::chrono::steady_clock::now(); !raced(started, std::chrono::seconds(1), log->endPosition());)
      (void)log->append(OutputStream::Stdout, piece);
    writing = false;
  });
  size_t looks = 0, missing = 0, headless = 0;
  bool rotated = false;  // once `log.1` is there, it stays
  while (writing) {
    for (const std::string& file : {path, rotatedLogPath(path)}) {
      UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
      char header[kLogHeaderBytes];
      bool whole = fd.valid() && ::pread(fd.get(), header, sizeof header, 0) == sizeof header &&
                   parseLogFileHeader(std::string_view(header, sizeof header));
      ++looks;
      if (!fd.valid() && (file == path || rotated)) ++missing;
      if (fd.valid() && !whole) ++headless;
      if (fd.valid() && file != path) rotated = true;
    }
  }
  writer.join();
  EXPECT_GE(log->endPosition() / LogFile::kMinLogBytes, kRotations) << "the test needs many rotations";
  EXPECT_EQ(missing, 0u) << "of " << looks << " looks";
  EXPECT_EQ(headless, 0u) << "of " << looks << " looks";
}
