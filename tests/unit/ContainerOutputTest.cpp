// A container's output as data: frames that keep stdout and stderr apart and carry any byte,
// a log capped in size whose rotation never outruns a reader holding a lease, and reading from
// a position across the rotated copy (or being told how much was lost).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "FixtureTree.h"
#include "LogFile.h"
#include "LogFormat.h"
#include "LogReader.h"
#include "ReaderLease.h"
#include "StreamFrames.h"

using namespace agent;
using namespace agent::container;
using agent::fixture::FixtureTree;

namespace {

struct Apart {
  std::string out, err, all;  // all: both streams in order, as "1:" / "2:" pieces
};

Apart apart(std::string_view frames) {
  Apart result;
  auto used = forEachFrame(frames, [&](OutputStream stream, std::string_view payload) {
    (stream == OutputStream::Stdout ? result.out : result.err) += payload;
    result.all += std::to_string(static_cast<int>(stream)) + ":" + std::string(payload) + "|";
  });
  EXPECT_TRUE(used && *used == frames.size());
  return result;
}

uint64_t fileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

std::string numberedLines(int from, int to) {
  std::string text;
  for (int i = from; i <= to; ++i) text += "line " + std::to_string(i) + "\n";
  return text;
}

}  // namespace

TEST(OutputFrames, CarryEveryByteAndTheStream) {
  std::string frames;
  std::string binary("\377\376\0\n\r", 5);
  appendFrame(frames, OutputStream::Stdout, binary);
  appendFrame(frames, OutputStream::Stderr, "err\n");
  appendFrame(frames, OutputStream::Stdout, "");
  EXPECT_EQ(frames.substr(0, 8), std::string("\1\0\0\0\0\0\0\5", 8));  // Docker's header
  std::vector<std::pair<OutputStream, std::string>> seen;
  auto used = forEachFrame(frames, [&](OutputStream s, std::string_view p) { seen.emplace_back(s, p); });
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, frames.size());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::pair(OutputStream::Stdout, binary));
  EXPECT_EQ(seen[1], std::pair(OutputStream::Stderr, std::string("err\n")));
  // A frame cut short is left for later, whole.
  auto partial = forEachFrame(std::string_view(frames).substr(0, frames.size() - 9), [](auto, auto) {});
  ASSERT_TRUE(partial);
  EXPECT_EQ(*partial, 13u);
  // What is no frame header is refused, not guessed at.
  for (std::string bad : {std::string("\4\0\0\0\0\0\0\1x", 9), std::string("\1\1\0\0\0\0\0\1x", 9),
                          std::string("\1\0\0\0\xff\0\0\0", 8)}) {
    auto refused = forEachFrame(bad, [](auto, auto) {});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().errnum, EPROTO);
  }
}

TEST(OutputLog, KeepsStreamsApartAndInOrder) {
  FixtureTree tree;
  tree.dir("c");
  auto log = LogFile::open(tree.path("c/log"), 1 << 20);
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->append(OutputStream::Stdout, "out 1\n"));
  ASSERT_TRUE(log->append(OutputStream::Stderr, std::string("\377\376", 2)));
  ASSERT_TRUE(log->append(OutputStream::Stdout, "out 2\n"));
  auto read = readLogFrom(tree.path("c/log"), std::nullopt, 1 << 20);
  ASSERT_TRUE(read) << read.error().message();
  EXPECT_EQ(apart(read->frames).all, "1:out 1\n|2:\377\376|1:out 2\n|");
  EXPECT_EQ(read->position, log->endPosition());
  EXPECT_TRUE(read->caughtUp);
  EXPECT_EQ(read->lost, 0u);
  EXPECT_EQ(tree.read("c/log").substr(0, 8), "AGENTLOG");
}

TEST(OutputLog, RotationKeepsTheFileUnderItsCapAndReadingCrossesIt) {
  FixtureTree tree;
  tree.dir("c");
  const uint64_t cap = LogFile::kMinLogBytes;
  auto log = LogFile::open(tree.path("c/log"), cap);
  ASSERT_TRUE(log);
  std::string written = numberedLines(1, 500);  // about 4.4 KiB: one rotation
  for (size_t at = 0; at < written.size(); at += 100) {
    auto taken = log->append(OutputStream::Stdout, written.substr(at, 100));
    ASSERT_TRUE(taken);
    EXPECT_EQ(*taken, std::min<size_t>(100, written.size() - at));
  }
  EXPECT_LE(fileSize(tree.path("c/log")), cap);
  EXPECT_LE(fileSize(tree.path("c/log.1")), cap);
  EXPECT_EQ(fileSize(tree.path("c/log.1")), cap) << "a frame was split to fill the file";
  auto rotatedStart = parseLogFileHeader(tree.read("c/log.1"));
  auto currentStart = parseLogFileHeader(tree.read("c/log"));
  ASSERT_TRUE(rotatedStart && currentStart);
  EXPECT_EQ(*rotatedStart, 0u);
  EXPECT_EQ(*currentStart, cap - kLogHeaderBytes);  // where the rotated copy ends

  // `logs` right after a rotation: the rotated copy, then the current file.
  auto all = readLogFrom(tree.path("c/log"), std::nullopt, 1 << 20);
  ASSERT_TRUE(all) << all.error().message();
  EXPECT_EQ(apart(all->frames).out, written);
  // A reader with a small budget keeps its place across the two files.
  std::string followed;
  std::optional<uint64_t> position = 0;
  for (int reads = 0; reads < 100; ++reads) {
    auto piece = readLogFrom(tree.path("c/log"), position, 1);  // at least one whole frame
    ASSERT_TRUE(piece) << piece.error().message();
    followed += apart(piece->frames).out;
    position = piece->position;
    if (piece->caughtUp) break;
  }
  EXPECT_EQ(followed, written);
}

TEST(OutputLog, AReaderOvertakenByRotationIsToldWhatItLost) {
  FixtureTree tree;
  tree.dir("c");
  auto log = LogFile::open(tree.path("c/log"), LogFile::kMinLogBytes);
  ASSERT_TRUE(log);
  std::string written = numberedLines(1, 1500);  // about 9 KiB: two rotations, the first file gone
  ASSERT_TRUE(log->append(OutputStream::Stdout, written));
  auto read = readLogFrom(tree.path("c/log"), 0, 1 << 20);
  ASSERT_TRUE(read);
  uint64_t oldest = *parseLogFileHeader(tree.read("c/log.1"));
  EXPECT_GT(oldest, 0u);
  EXPECT_EQ(read->lost, oldest);
  std::string kept = apart(read->frames).out;
  EXPECT_EQ(written.substr(written.size() - kept.size()), kept);
  // A position past the end, or not where a frame starts, is refused.
  auto past = readLogFrom(tree.path("c/log"), read->position + 1, 1 << 20);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().errnum, EINVAL);
  auto inside = readLogFrom(tree.path("c/log"), oldest + 3, 1 << 20);
  ASSERT_FALSE(inside);
  EXPECT_EQ(inside.error().errnum, EINVAL);
}

TEST(OutputLog, RotationWaitsForTheGateAndAppendTakesOnlyWhatFits) {
  FixtureTree tree;
  tree.dir("c");
  bool allowed = false;
  std::vector<uint64_t> asked;
  auto log = LogFile::open(tree.path("c/log"), LogFile::kMinLogBytes, [&](uint64_t position) {
    asked.push_back(position);
    return allowed;
  });
  ASSERT_TRUE(log);
  std::string first = numberedLines(1, 500), second = numberedLines(501, 1000);
  ASSERT_TRUE(log->append(OutputStream::Stdout, first));   // one rotation: nothing to discard yet
  auto taken = log->append(OutputStream::Stdout, second);  // would discard the first file
  ASSERT_TRUE(taken);
  EXPECT_LT(*taken, second.size());
  ASSERT_FALSE(asked.empty());
  EXPECT_EQ(asked.back(), *parseLogFileHeader(tree.read("c/log")));  // the rotated copy's end
  auto held = readLogFrom(tree.path("c/log"), 0, 1 << 20);
  ASSERT_TRUE(held);
  EXPECT_EQ(held->lost, 0u);
  EXPECT_EQ(apart(held->frames).out, first + second.substr(0, *taken));
  allowed = true;
  auto rest = log->append(OutputStream::Stdout, second.substr(*taken));
  ASSERT_TRUE(rest);
  EXPECT_EQ(*rest, second.size() - *taken);
}

TEST(OutputLog, AFrameBeingWrittenIsNotReadHalf) {
  FixtureTree tree;
  std::string frames;
  appendFrame(frames, OutputStream::Stdout, "whole\n");
  appendFrame(frames, OutputStream::Stderr, "half of it");
  tree.file("c/log", logFileHeader(0) + frames.substr(0, frames.size() - 4));
  auto read = readLogFrom(tree.path("c/log"), std::nullopt, 1 << 20);
  ASSERT_TRUE(read) << read.error().message();
  EXPECT_EQ(apart(read->frames).all, "1:whole\n|");
  EXPECT_EQ(read->position, 14u);
  EXPECT_TRUE(read->caughtUp);
}

TEST(OutputLog, APlainLogOfAnOlderAgentReadsAsStdout) {
  FixtureTree tree;
  tree.file("c/log", std::string("old \377 output\n"));
  auto read = readLogFrom(tree.path("c/log"), std::nullopt, 1 << 20);
  ASSERT_TRUE(read) << read.error().message();
  EXPECT_EQ(apart(read->frames).all, "1:old \377 output\n|");
  EXPECT_EQ(read->position, std::string("old \377 output\n").size());  // plain: offsets in the file
  // The new shim format continues such a file by moving it aside first.
  auto log = LogFile::open(tree.path("c/log"), 1 << 20);
  ASSERT_TRUE(log);
  EXPECT_EQ(tree.read("c/log.1"), "old \377 output\n");
  ASSERT_TRUE(log->append(OutputStream::Stdout, "new\n"));
  auto after = readLogFrom(tree.path("c/log"), std::nullopt, 1 << 20);
  ASSERT_TRUE(after);
  EXPECT_EQ(apart(after->frames).out, "new\n");
}

TEST(OutputLog, TailCountsLinesAcrossFramesStreamsAndFiles) {
  FixtureTree tree;
  tree.dir("c");
  auto log = LogFile::open(tree.path("c/log"), LogFile::kMinLogBytes);
  ASSERT_TRUE(log);
  std::string lines = numberedLines(1, 500);
  ASSERT_TRUE(log->append(OutputStream::Stdout, lines));
  ASSERT_TRUE(log->append(OutputStream::Stderr, "err A\nerr "));
  ASSERT_TRUE(log->append(OutputStream::Stdout, "tail-end"));
  ASSERT_TRUE(std::ifstream(tree.path("c/log.1")).good()) << "the test needs a rotation";
  // The output ends "line 500\nerr A\nerr tail-end": its last lines are "err tail-end" (no
  // newline yet), "err A", "line 500", ...
  auto one = readLogTail(tree.path("c/log"), 1, 1 << 20);
  ASSERT_TRUE(one) << one.error().message();
  EXPECT_EQ(apart(one->frames).all, "2:err |1:tail-end|");
  auto three = readLogTail(tree.path("c/log"), 3, 1 << 20);
  ASSERT_TRUE(three);
  EXPECT_EQ(apart(three->frames).all, "1:line 500\n|2:err A\nerr |1:tail-end|");
  EXPECT_EQ(three->position, log->endPosition());
  EXPECT_TRUE(three->caughtUp);
  auto many = readLogTail(tree.path("c/log"), 300, 1 << 20);
  ASSERT_TRUE(many);
  EXPECT_EQ(apart(many->frames).out, numberedLines(203, 500) + "tail-end");
  auto none = readLogTail(tree.path("c/log"), 0, 1 << 20);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->frames, "");
  EXPECT_EQ(none->position, log->endPosition());
}

TEST(OutputLog, NothingWrittenYetIsAnEmptyCaughtUpRead) {
  FixtureTree tree;
  tree.dir("c");
  auto read = readLogFrom(tree.path("c/log"), std::nullopt, 1 << 20);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->frames, "");
  EXPECT_TRUE(read->caughtUp);
}

TEST(ReaderLeases, AreWrittenOnlyIntoAContainerThatExistsAndRunOut) {
  FixtureTree tree;
  tree.dir("containers/abc");
  std::string bundle = tree.path("containers/abc");
  ASSERT_TRUE(writeReaderLease(bundle, "0a1b", {100, 5000}));
  ASSERT_TRUE(writeReaderLease(bundle, "ff", {7, 9000}));
  auto running = runningReaderLeases(bundle, 6000);
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].position, 7u);
  EXPECT_EQ(runningReaderLeases(bundle, 1000).size(), 2u);
  dropReaderLease(bundle, "ff");
  EXPECT_TRUE(runningReaderLeases(bundle, 6000).empty());
  // A removed container's directory is never made again by a late renewal.
  auto gone = writeReaderLease(tree.path("containers/removed"), "0a1b", {1, 2});
  ASSERT_FALSE(gone);
  EXPECT_FALSE(std::ifstream(tree.path("containers/removed")).good());
  EXPECT_FALSE(writeReaderLease(bundle, "../../x", {1, 2}));
  EXPECT_FALSE(isReaderId(""));
  EXPECT_FALSE(isReaderId("ABC"));
  EXPECT_TRUE(isReaderId("0123456789abcdef"));
  EXPECT_EQ(parseReaderLease("12 345\n")->position, 12u);
  EXPECT_FALSE(parseReaderLease("12"));
  EXPECT_FALSE(parseReaderLease("x 1"));
  EXPECT_GT(bootTimeMs(), 0);
}
