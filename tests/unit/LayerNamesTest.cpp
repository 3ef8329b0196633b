// Names in a layer's tar: the path each entry gets inside the layer (or the refusal a user
// reads), which names are whiteouts, and how a blob's first bytes say its compression.
#include <gtest/gtest.h>

#include "LayerCompression.h"
#include "LayerPath.h"
#include "LayerWhiteout.h"

using namespace agent::image;

namespace {

std::string pathOf(std::string_view name) {
  auto path = layerPathOf(name);
  return path ? *path : "REFUSED: " + path.error().message();
}

}  // namespace

TEST(LayerEntryPath, TarSpellingsOfOnePathAreOnePath) {
  EXPECT_EQ(pathOf("usr/bin/env"), "usr/bin/env");
  EXPECT_EQ(pathOf("./usr/bin/env"), "usr/bin/env");
  EXPECT_EQ(pathOf("usr//bin/./env"), "usr/bin/env");
  EXPECT_EQ(pathOf("usr/bin/"), "usr/bin");
  // A leading '/' names the layer's root (Docker and containerd read it so): it stays inside.
  EXPECT_EQ(pathOf("/etc/passwd"), "etc/passwd");
  EXPECT_EQ(pathOf("./"), "");
  EXPECT_EQ(pathOf("."), "");
  EXPECT_EQ(pathOf("/"), "");
}

TEST(LayerEntryPath, DotDotIsRefusedAndAClimbOutSaysItEscapes) {
  for (const char* name : {"../etc/passwd", "a/../../etc", "./..", "a/b/../../../x", "/../x"}) {
    auto path = layerPathOf(name);
    ASSERT_FALSE(path) << name;
    EXPECT_NE(path.error().message().find("escapes the layer"), std::string::npos) << path.error().message();
  }
  // Inside, still refused: a layer names each path without `..`, as the rootfs import had it.
  for (const char* name : {"a/../b", "a/b/..", "a/./../a/x"}) {
    auto path = layerPathOf(name);
    ASSERT_FALSE(path) << name;
    EXPECT_NE(path.error().message().find("`..` component"), std::string::npos) << path.error().message();
  }
  // Names that only look like it are names.
  EXPECT_EQ(pathOf("a/..b/...c/.d"), "a/..b/...c/.d");
}

TEST(LayerEntryPath, SplitParentGivesTheDirectoryAndTheName) {
  EXPECT_EQ(splitParent("a/b/c").first, "a/b");
  EXPECT_EQ(splitParent("a/b/c").second, "c");
  EXPECT_EQ(splitParent("c").first, "");
  EXPECT_EQ(splitParent("c").second, "c");
}

TEST(WhiteoutNames, OrdinaryNamesAreNotWhiteouts) {
  for (const char* path : {"etc/passwd", "a.wh.b", "wh.x", "a/.whx", "a/.wh"}) {
    auto mark = whiteoutOf(path);
    ASSERT_TRUE(mark) << path;
    EXPECT_EQ(mark->kind, WhiteoutKind::None) << path;
  }
}

TEST(WhiteoutNames, DotWhNameDeletesThatNameInItsDirectory) {
  auto mark = whiteoutOf("etc/apt/.wh.sources.list");
  ASSERT_TRUE(mark);
  EXPECT_EQ(mark->kind, WhiteoutKind::RemoveName);
  EXPECT_EQ(mark->directory, "etc/apt");
  EXPECT_EQ(mark->name, "sources.list");
  auto top = whiteoutOf(".wh.tmp");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->kind, WhiteoutKind::RemoveName);
  EXPECT_EQ(top->directory, "");
  EXPECT_EQ(top->name, "tmp");
  // A name that itself starts with a dot.
  auto dotted = whiteoutOf("root/.wh..bashrc");
  ASSERT_TRUE(dotted);
  EXPECT_EQ(dotted->kind, WhiteoutKind::RemoveName);
  EXPECT_EQ(dotted->name, ".bashrc");
}

TEST(WhiteoutNames, TheOpaqueMarkerMarksItsDirectory) {
  auto mark = whiteoutOf("var/cache/.wh..wh..opq");
  ASSERT_TRUE(mark);
  EXPECT_EQ(mark->kind, WhiteoutKind::Opaque);
  EXPECT_EQ(mark->directory, "var/cache");
  auto root = whiteoutOf(".wh..wh..opq");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->kind, WhiteoutKind::Opaque);
  EXPECT_EQ(root->directory, "");
}

TEST(WhiteoutNames, AufsMetadataIsDroppedNotWritten) {
  for (const char* path : {".wh..wh.plnk", ".wh..wh.aufs", "a/.wh..wh.orph"}) {
    auto mark = whiteoutOf(path);
    ASSERT_TRUE(mark) << path;
    EXPECT_EQ(mark->kind, WhiteoutKind::AufsMetadata) << path;
  }
}

TEST(WhiteoutNames, WhiteoutsOfTheDirectoryItselfOrItsParentAreRefused) {
  // `.wh.` deletes "", `.wh..` deletes "." and `.wh...` deletes "..": obeyed, one entry would
  // erase its whole directory of the lower layers, or the directory above.
  for (const char* path : {"a/.wh.", "a/.wh..", "a/.wh...", ".wh."}) {
    auto mark = whiteoutOf(path);
    ASSERT_FALSE(mark) << path;
    EXPECT_NE(mark.error().message().find("its own directory or its parent"), std::string::npos);
  }
}

TEST(WhiteoutNames, NothingLiesBelowAWhiteout) {
  for (const char* path : {".wh.a/b", "x/.wh.a/b/c", ".wh..wh..opq/x"}) {
    auto mark = whiteoutOf(path);
    ASSERT_FALSE(mark) << path;
    EXPECT_NE(mark.error().message().find("below a whiteout"), std::string::npos);
  }
}

TEST(LayerCompressionMagic, TheFirstBytesTellGzipZstdAndPlainTar) {
  EXPECT_EQ(compressionOf(std::string_view("\x1f\x8b\x08\x00", 4)), LayerCompression::Gzip);
  EXPECT_EQ(compressionOf(std::string_view("\x28\xb5\x2f\xfd\x24", 5)), LayerCompression::Zstd);
  EXPECT_EQ(compressionOf("etc/passwd\0\0\0"), LayerCompression::None);
  // Too short to be either, or one byte off: a plain tar (which libarchive then judges).
  EXPECT_EQ(compressionOf(std::string_view("\x1f", 1)), LayerCompression::None);
  EXPECT_EQ(compressionOf(std::string_view("\x28\xb5\x2f", 3)), LayerCompression::None);
  EXPECT_EQ(compressionOf(std::string_view("\x28\xb5\x2f\xfe", 4)), LayerCompression::None);
  EXPECT_EQ(compressionOf(""), LayerCompression::None);
}
