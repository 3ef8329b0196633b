#include <gtest/gtest.h>

#include <array>

#include "FileAt.h"
#include "FixtureTree.h"

using namespace agent;

TEST(FileAt, ReadsIntoCallerBufferAndWrites) {
  fixture::FixtureTree tree;
  tree.file("d/value", "12345\n");
  auto dir = Dir::open(tree.path("d"));
  ASSERT_TRUE(dir);
  std::array<char, 64> buffer;
  auto text = readFileAt(*dir, "value", buffer);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "12345\n");
  ASSERT_TRUE(writeFileAt(*dir, "value", "9"));
  EXPECT_EQ(tree.read("d/value").substr(0, 1), "9");
}

TEST(FileAt, FileLargerThanBufferIsAnErrorNotATruncation) {
  fixture::FixtureTree tree;
  tree.file("d/big", std::string(100, 'x'));
  auto dir = Dir::open(tree.path("d"));
  std::array<char, 16> buffer;
  auto text = readFileAt(*dir, "big", buffer);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().errnum, EFBIG);
  auto whole = readWholeFileAt(*dir, "big");
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->size(), 100u);
}

TEST(FileAt, ErrorsCarryPathAndErrno) {
  fixture::FixtureTree tree;
  tree.dir("d");
  auto dir = Dir::open(tree.path("d"));
  std::array<char, 16> buffer;
  auto missing = readFileAt(*dir, "nope", buffer);
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().isGone());
  EXPECT_EQ(missing.error().message(), "open for reading `" + tree.path("d") + "/nope`: No such file or directory");
  auto write = writeFileAt(*dir, "nope", "1");
  ASSERT_FALSE(write);
  EXPECT_NE(write.error().message().find("open for writing"), std::string::npos);
  auto noDir = Dir::open(tree.path("missing"));
  ASSERT_FALSE(noDir);
  EXPECT_TRUE(noDir.error().isGone());
}

TEST(FileAt, ListsOnlySubdirectories) {
  fixture::FixtureTree tree;
  tree.dir("d/a").dir("d/b").file("d/file", "x");
  auto dir = Dir::open(tree.path("d"));
  auto names = listSubdirs(*dir);
  ASSERT_TRUE(names);
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b"}));
}

TEST(FileAt, HeldFilesAreReReadFromTheStart) {
  fixture::FixtureTree tree;
  tree.file("d/value", "1\n");
  auto dir = Dir::open(tree.path("d"));
  ASSERT_TRUE(dir);
  dir->keepFilesOpen();
  std::array<char, 64> buffer;
  static constexpr char kValue[] = "value";
  auto first = readFileAt(*dir, kValue, buffer);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, "1\n");
  int held = dir->heldFile(kValue);
  ASSERT_GE(held, 0);
  tree.file("d/value", "22\n");  // rewritten in place: same inode, new content
  auto second = readFileAt(*dir, kValue, buffer);
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, "22\n");
  EXPECT_EQ(dir->heldFile(kValue), held) << "the same fd serves every read";
}

TEST(FileAt, HeldReadOfAMissingFileIsGone) {
  fixture::FixtureTree tree;
  tree.dir("d");
  auto dir = Dir::open(tree.path("d"));
  dir->keepFilesOpen();
  std::array<char, 16> buffer;
  auto missing = readFileAt(*dir, "nope", buffer);
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().isGone());
}
