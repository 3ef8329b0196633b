// The tar image source: members found by their headers and read by range at the right place,
// links followed within the archive only, compressed or broken archives refused by name.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "BlobSource.h"
#include "FixtureTree.h"
#include "LoadPlan.h"
#include "TarBuilder.h"

namespace agent::image {
namespace {

using fixture::FixtureTree;

// The file's bytes, or the refusal's message: a failed read fails the comparison, not the run.
std::string textOf(const BlobSource& source, const std::string& path) {
  auto bytes = source.read(path, 100);
  return bytes ? *bytes : "refused: " + bytes.error().message();
}

std::string readAt(const BlobRange& range) {
  std::string bytes(range.length, '\0');
  EXPECT_EQ(::pread(range.fd, bytes.data(), bytes.size(), static_cast<off_t>(range.offset)),
            static_cast<ssize_t>(range.length));
  return bytes;
}

TEST(TarImageSource, MembersAreReadByRangeAtTheirDataEvenAfterLongNames) {
  FixtureTree tree;
  std::string longName = std::string(150, 'd') + "/" + std::string(120, 'f') + ".json";  // a pax header of its own
  std::string big(700000, 'x');
  big[123456] = 'y';
  {
    TarBuilder tar(tree.path("a.tar"));
    tar.file("./manifest.json", "[]").dir("blobs/").file(longName, "{\"long\":1}").file("blobs/big", big);
  }
  auto source = openImageSource(tree.path("a.tar"));
  ASSERT_TRUE(source) << source.error().message();
  EXPECT_TRUE((*source)->exists("manifest.json"));
  EXPECT_TRUE((*source)->exists("./manifest.json"));
  EXPECT_EQ(textOf(**source, "manifest.json"), "[]");
  EXPECT_EQ(textOf(**source, longName), "{\"long\":1}");
  auto range = (*source)->range("blobs//big");
  ASSERT_TRUE(range) << range.error().message();
  EXPECT_EQ(range->length, big.size());
  EXPECT_EQ(readAt(*range), big);
  EXPECT_FALSE((*source)->exists("blobs"));  // a directory is no file
  auto tooBig = (*source)->read("blobs/big", 1000);
  ASSERT_FALSE(tooBig);
  EXPECT_EQ(tooBig.error().errnum, EFBIG);
  EXPECT_NE(tooBig.error().message().find("blobs/big"), std::string::npos);
  auto missing = (*source)->read("index.json", 100);
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().isGone());
  EXPECT_NE(missing.error().message().find("index.json"), std::string::npos);
}

TEST(TarImageSource, LinksAreFollowedWithinTheArchiveOnly) {
  FixtureTree tree;
  {
    // docker save's legacy layout links identical layers: <id2>/layer.tar -> ../<id1>/layer.tar
    TarBuilder tar(tree.path("a.tar"));
    tar.dir("id1/")
        .file("id1/layer.tar", "LAYER-ONE")
        .dir("id2/")
        .symlink("id2/layer.tar", "../id1/layer.tar")
        .symlink("id3", "id1")
        .hardlink("id4.tar", "id1/layer.tar")
        .symlink("abs/layer.tar", "/id1/layer.tar")
        .symlink("escape.tar", "../../etc/passwd")
        .symlink("loop1", "loop2")
        .symlink("loop2", "loop1")
        .symlink("dangling", "nothing/here");
  }
  auto source = openImageSource(tree.path("a.tar"));
  ASSERT_TRUE(source) << source.error().message();
  for (std::string path : {"id1/layer.tar", "id2/layer.tar", "id3/layer.tar", "id4.tar", "abs/layer.tar"}) {
    auto bytes = (*source)->read(path, 100);
    ASSERT_TRUE(bytes) << path << ": " << bytes.error().message();
    EXPECT_EQ(*bytes, "LAYER-ONE") << path;
  }
  auto escape = (*source)->read("escape.tar", 100);
  ASSERT_FALSE(escape);
  EXPECT_NE(escape.error().message().find("out of the archive"), std::string::npos) << escape.error().message();
  auto loop = (*source)->read("loop1", 100);
  ASSERT_FALSE(loop);
  EXPECT_NE(loop.error().message().find("more than 40 links"), std::string::npos) << loop.error().message();
  EXPECT_FALSE((*source)->exists("dangling"));
  auto climb = (*source)->read("../a.tar", 100);
  ASSERT_FALSE(climb);
  EXPECT_NE(climb.error().message().find("climbs out"), std::string::npos) << climb.error().message();
}

TEST(TarImageSource, ALayerLinkedOutOfTheArchiveIsRefusedAsSuchNotAsMissing) {
  FixtureTree tree;
  {
    TarBuilder tar(tree.path("a.tar"));
    tar.file("manifest.json", R"([{"Config":"c.json","RepoTags":["x:1"],"Layers":["id/layer.tar"]}])")
        .file("c.json", R"({"rootfs":{"type":"layers","diff_ids":["sha256:)" + std::string(64, 'a') + R"("]}})")
        .symlink("id/layer.tar", "../../../etc/passwd");
  }
  auto source = openImageSource(tree.path("a.tar"));
  ASSERT_TRUE(source) << source.error().message();
  auto plan = planLoad(**source);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message(), "`id/layer.tar` in `" + tree.path("a.tar") +
                                        "` leads through a link out of the archive; links are followed within it only");
}

TEST(TarImageSource, ACompressedArchiveIsRefusedSayingWhatToDo) {
  FixtureTree tree;
  {
    TarBuilder tar(tree.path("a.tar"));
    tar.file("manifest.json", "[]");
  }
  std::ifstream in(tree.path("a.tar"), std::ios::binary);
  std::string tarBytes((std::istreambuf_iterator<char>(in)), {});
  gzFile gz = gzopen(tree.path("a.tar.gz").c_str(), "wb");
  gzwrite(gz, tarBytes.data(), static_cast<unsigned>(tarBytes.size()));
  gzclose(gz);
  auto source = openImageSource(tree.path("a.tar.gz"));
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().message(),
            "`" + tree.path("a.tar.gz") +
                "` is a gzip-compressed archive; image load reads an uncompressed tar (as `docker save` writes it): "
                "decompress it first (`gunzip -k`) or pipe it (`gunzip -c FILE | agentctl image load`)");
}

TEST(TarImageSource, ATruncatedOrForeignFileIsRefusedNamingIt) {
  FixtureTree tree;
  {
    TarBuilder tar(tree.path("a.tar"));
    tar.file("one", "1").file("blob", std::string(100000, 'b'));
  }
  ASSERT_EQ(::truncate(tree.path("a.tar").c_str(), 50000), 0);
  auto truncated = openImageSource(tree.path("a.tar"));
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message().find(tree.path("a.tar")), std::string::npos) << truncated.error().message();
  tree.file("notes.txt", "these are not the files you are looking for\n");
  auto text = openImageSource(tree.path("notes.txt"));
  ASSERT_FALSE(text);
  EXPECT_NE(text.error().message().find("is not a tar archive"), std::string::npos) << text.error().message();
}

TEST(DirectoryImageSource, FilesAreReadInsideTheDirectoryOnly) {
  FixtureTree tree;
  tree.file("outside.json", "secret").file("layout/index.json", "{}").file("layout/blobs/sha256/aa", "BLOB");
  tree.symlink("../../../outside.json", "layout/blobs/sha256/bb");
  tree.symlink("/blobs/sha256/aa", "layout/blobs/sha256/cc");
  auto source = openImageSource(tree.path("layout"));
  ASSERT_TRUE(source) << source.error().message();
  EXPECT_EQ(textOf(**source, "./index.json"), "{}");
  auto range = (*source)->range("blobs/sha256/aa");
  ASSERT_TRUE(range) << range.error().message();
  EXPECT_EQ(readAt(*range), "BLOB");
  EXPECT_EQ(textOf(**source, "blobs/sha256/cc"), "BLOB");  // `/` is the layout's root
  EXPECT_FALSE((*source)->exists("blobs/sha256/bb"));      // `..` stops at it
  EXPECT_FALSE((*source)->exists("blobs"));
  EXPECT_FALSE((*source)->read("../outside.json", 100));
}

}  // namespace
}  // namespace agent::image
