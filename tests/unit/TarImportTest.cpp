#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "FixtureTree.h"
#include "ImageStore.h"
#include "TarImport.h"

using namespace agent::container;
using agent::fixture::FixtureTree;
namespace fs = std::filesystem;

namespace {

// Writes ustar archives entry by entry: enough to state exactly what a hostile tarball holds.
class TarWriter {
 public:
  TarWriter& file(const std::string& name, const std::string& data, int mode = 0644) {
    return add(name, '0', data, "", mode);
  }
  TarWriter& dir(const std::string& name) { return add(name, '5', "", "", 0755); }
  TarWriter& symlink(const std::string& name, const std::string& target) { return add(name, '2', "", target, 0777); }
  TarWriter& hardlink(const std::string& name, const std::string& target) { return add(name, '1', "", target, 0644); }
  TarWriter& longName(const std::string& name, const std::string& data) {
    add("././@LongLink", 'L', name + '\0', "", 0644);
    return add(name.substr(0, 99), '0', data, "", 0644);
  }
  void save(const std::string& path) const {
    std::ofstream out(path, std::ios::binary);
    out << bytes_ << std::string(1024, '\0');
  }

 private:
  TarWriter& add(const std::string& name, char type, const std::string& data, const std::string& link, int mode) {
    char h[512] = {};
    std::snprintf(h, 100, "%s", name.c_str());
    std::snprintf(h + 100, 8, "%07o", mode);
    std::snprintf(h + 108, 8, "%07o", 0);
    std::snprintf(h + 116, 8, "%07o", 0);
    std::snprintf(h + 124, 12, "%011o", static_cast<unsigned>(data.size()));
    std::snprintf(h + 136, 12, "%011o", 0);
    h[156] = type;
    std::snprintf(h + 157, 100, "%s", link.c_str());
    std::memcpy(h + 257,
                "ustar\0"
                "00",
                8);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    bytes_.append(h, 512);
    bytes_ += data;
    bytes_.append((512 - data.size() % 512) % 512, '\0');
    return *this;
  }
  std::string bytes_;
};

}  // namespace

TEST(TarImport, UnpacksFilesDirectoriesLinksAndLongNames) {
  FixtureTree tree;
  tree.dir("root");
  std::string longPath = "usr/share/" + std::string(120, 'x') + "/file";
  TarWriter()
      .dir("./bin/")
      .file("bin/busybox", "#!binary", 0755)
      .symlink("bin/sh", "/bin/busybox")
      .hardlink("bin/ls", "bin/busybox")
      .file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")  // parent not listed first
      .longName(longPath, "deep")
      .save(tree.path("image.tar"));
  auto summary = extractTar(tree.path("image.tar"), tree.path("root"));
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->files, 3u);
  EXPECT_EQ(summary->symlinks, 1u);
  EXPECT_EQ(summary->hardlinks, 1u);
  EXPECT_EQ(tree.read("root/etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
  EXPECT_EQ(fs::read_symlink(tree.path("root/bin/sh")), "/bin/busybox");
  EXPECT_EQ(tree.read("root/" + longPath), "deep");
  struct stat a {
  }, b{};
  ::stat(tree.path("root/bin/ls").c_str(), &a);
  ::stat(tree.path("root/bin/busybox").c_str(), &b);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(b.st_mode & 0777, 0755u);
}

TEST(TarImport, RefusesEveryWayOut) {
  struct Case {
    const char* what;
    TarWriter tar;
  };
  std::vector<Case> cases;
  cases.push_back({"dot-dot", TarWriter().file("../escaped", "x")});
  cases.push_back({"nested dot-dot", TarWriter().file("etc/../../escaped", "x")});
  cases.push_back({"absolute name", TarWriter().file("/tmp/escaped", "x")});
  cases.push_back({"through a symlink", TarWriter().symlink("etc", "/tmp").file("etc/escaped", "x")});
  cases.push_back({"absolute hard link", TarWriter().hardlink("passwd", "/etc/passwd")});
  cases.push_back({"escaping hard link", TarWriter().hardlink("passwd", "../../etc/passwd")});
  for (auto& c : cases) {
    FixtureTree tree;
    tree.dir("root");
    c.tar.save(tree.path("bad.tar"));
    auto summary = extractTar(tree.path("bad.tar"), tree.path("root"));
    EXPECT_FALSE(summary) << c.what;
    if (!summary) {
      EXPECT_EQ(summary.error().errnum, EINVAL) << c.what << ": " << summary.error().message();
    }
    EXPECT_FALSE(fs::exists(tree.path("escaped"))) << c.what;
    EXPECT_FALSE(fs::exists("/tmp/escaped")) << c.what;
  }
}

TEST(TarImport, ImageStoreKeepsNothingOfARefusedTarball) {
  FixtureTree tree;
  ImageStore store(tree.path("images"));
  TarWriter().file("ok", "1").file("../bad", "2").save(tree.path("bad.tar"));
  auto refused = store.import("hostile", tree.path("bad.tar"));
  ASSERT_FALSE(refused);
  EXPECT_TRUE(store.list()->empty());
  EXPECT_TRUE(fs::is_empty(tree.path("images")));

  TarWriter().file("bin/true", "").save(tree.path("good.tar"));
  ASSERT_TRUE(store.import("tiny", tree.path("good.tar")));
  auto images = store.list();
  ASSERT_TRUE(images);
  ASSERT_EQ(images->size(), 1u);
  EXPECT_EQ(images->front().name, "tiny");
  EXPECT_EQ(store.import("tiny", tree.path("good.tar")).error().errnum, EEXIST);
  EXPECT_EQ(store.import("../x", tree.path("good.tar")).error().errnum, EINVAL);
}
