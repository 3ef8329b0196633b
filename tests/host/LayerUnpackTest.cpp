// Layers made by tools no one here wrote (GNU tar, gzip, zstd, Python's tarfile for what
// they would never write) unpacked by unpackLayer, then read the way a container will: an
// overlay of them mounted in a private mount namespace. Hostile layers are refused naming
// the entry, leave no directory, and change nothing outside it (a bait directory is checked).
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "HostTestSupport.h"
#include "LayerStream.h"
#include "LayerUnpacker.h"
#include "UniqueFd.h"

using namespace agent;
using namespace agent::hosttest;
namespace fs = std::filesystem;

namespace {

// The helpers a test's Python lines call to add entries; mtime 1500000000 unless given.
constexpr const char* kTarPrelude = R"(import io, sys, tarfile
t = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)
def entry(name, kind, mode, uid=0, gid=0, mtime=1500000000, link='', data=b'', pax=None, major=0, minor=0):
    i = tarfile.TarInfo(name); i.type = kind; i.mode = mode; i.uid = uid; i.gid = gid
    i.mtime = mtime; i.linkname = link; i.size = len(data); i.devmajor = major; i.devminor = minor
    if pax: i.pax_headers = pax
    t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
def f(name, data=b'', mode=0o644, **kw): entry(name, tarfile.REGTYPE, mode, data=data, **kw)
def d(name, mode=0o755, **kw): entry(name, tarfile.DIRTYPE, mode, **kw)
def l(name, target): entry(name, tarfile.SYMTYPE, 0o777, link=target)
def h(name, target): entry(name, tarfile.LNKTYPE, 0o644, link=target)
)";

std::string output(const std::string& command) {
  std::string text;
  FILE* pipe = ::popen(command.c_str(), "r");
  char chunk[4096];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) text.append(chunk, n);
  EXPECT_EQ(::pclose(pipe), 0) << command;
  return text;
}

void shell(const std::string& command) {
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

std::string sha256sumOf(const std::string& path) {
  return "sha256:" + output("sha256sum " + path).substr(0, 64);
}

class LayerUnpack : public ::testing::Test {
 protected:
  std::string at(const std::string& name) const { return scratch_.path() + "/" + name; }

  // A tar written by Python's tarfile running `lines` (the prelude's f, d, l, h).
  std::string pythonTar(const std::string& name, const std::string& lines) {
    std::ofstream(at(name + ".py")) << kTarPrelude << lines << "\nt.close()\n";
    shell("/usr/bin/python3 " + at(name + ".py") + " " + at(name));
    return at(name);
  }
  // A tar written by GNU tar of the directory `source` under the scratch directory.
  std::string gnuTar(const std::string& name, const std::string& source) {
    shell("tar --numeric-owner --xattrs -C " + at(source) + " -cf " + at(name) + " .");
    return at(name);
  }

  Result<image::UnpackedLayer> unpack(const std::string& blob, const std::string& dir) {
    UniqueFd fd(::open(blob.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st;
    EXPECT_EQ(::fstat(fd.get(), &st), 0);
    return image::unpackLayer(fd.get(), 0, static_cast<uint64_t>(st.st_size), at(dir));
  }
  // Unpacks what must unpack.
  image::UnpackedLayer unpacked(const std::string& blob, const std::string& dir) {
    auto layer = unpack(blob, dir);
    if (!layer) ADD_FAILURE() << layer.error().message();
    return layer ? *layer : image::UnpackedLayer{};
  }
  // The refusal of what must be refused; the directory must be gone.
  std::string refusal(const std::string& blob, const std::string& dir) {
    auto layer = unpack(blob, dir);
    EXPECT_FALSE(layer) << blob << " was unpacked";
    EXPECT_FALSE(fs::exists(fs::symlink_status(at(dir)))) << at(dir) << " stayed after a refusal";
    return layer ? "" : layer.error().message();
  }

  // Every path in the overlay of `layers` (top first) as a container would see its root,
  // with "/" after directories: mounted in a child's private mount namespace.
  std::set<std::string> overlayOf(const std::vector<std::string>& layers) {
    std::string lower;
    for (const auto& layer : layers) lower += (lower.empty() ? "" : ":") + at(layer);
    std::string merged = at("merged"), listing = at("listing");
    fs::create_directories(merged);
    pid_t child = ::fork();
    if (child == 0) {
      if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(2);
      if (::mount("overlay", merged.c_str(), "overlay", MS_RDONLY, ("lowerdir=" + lower).c_str()) != 0) _exit(3);
      std::ofstream out(listing);
      for (const auto& item : fs::recursive_directory_iterator(merged)) {
        out << fs::relative(item.path(), merged).string() << (item.is_directory() ? "/" : "") << "\n";
      }
      out.close();  // _exit runs no destructor
      _exit(out ? 0 : 4);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "overlay of " << lower << ": " << status;
    std::set<std::string> paths;
    std::ifstream in(listing);
    for (std::string line; std::getline(in, line);) paths.insert(line);
    return paths;
  }

  ScratchDir scratch_;
};

bool isWhiteoutDevice(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

std::string xattrOf(const std::string& path, const char* name) {
  char value[256];
  ssize_t n = ::lgetxattr(path.c_str(), name, value, sizeof value);
  return n < 0 ? "(none)" : std::string(value, static_cast<size_t>(n));
}

}  // namespace

TEST_F(LayerUnpack, ADeletedFileIsGoneFromTheOverlayOfBothLayers) {
  fs::create_directories(at("base/etc"));
  std::ofstream(at("base/etc/a")) << "a";
  std::ofstream(at("base/etc/b")) << "b";
  unpacked(gnuTar("base.tar", "base"), "l1");
  unpacked(pythonTar("delete.tar", "d('etc')\nf('etc/.wh.a')"), "l2");
  EXPECT_TRUE(isWhiteoutDevice(at("l2/etc/a")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(at("l2/etc/.wh.a"))));
  EXPECT_EQ(overlayOf({"l2", "l1"}), (std::set<std::string>{"etc/", "etc/b"}));
}

TEST_F(LayerUnpack, AnOpaqueDirectoryHidesTheLowerChildrenWhereverItsMarkerIs) {
  fs::create_directories(at("base/d/sub"));
  fs::create_directories(at("base/other"));
  std::ofstream(at("base/d/x")) << "x";
  std::ofstream(at("base/d/sub/y")) << "y";
  std::ofstream(at("base/other/z")) << "z";
  unpacked(gnuTar("base.tar", "base"), "l1");
  // OCI layer.md's two equivalent orders: the marker before the directory's new entries, and after.
  unpacked(pythonTar("first.tar", "d('d')\nf('d/.wh..wh..opq')\nf('d/new')"), "first");
  unpacked(pythonTar("last.tar", "d('d')\nf('d/new')\nf('d/.wh..wh..opq')"), "last");
  // And before its directory: the directory is made for it, then given its entry's attributes.
  unpacked(pythonTar("before.tar", "f('d/.wh..wh..opq')\nd('d', mode=0o700)\nf('d/new')"), "before");
  for (const char* layer : {"first", "last", "before"}) {
    EXPECT_EQ(xattrOf(at(std::string(layer) + "/d"), "trusted.overlay.opaque"), "y") << layer;
    EXPECT_FALSE(fs::exists(fs::symlink_status(at(std::string(layer) + "/d/.wh..wh..opq")))) << layer;
    EXPECT_EQ(overlayOf({layer, "l1"}), (std::set<std::string>{"d/", "d/new", "other/", "other/z"})) << layer;
  }
  struct stat st;
  ASSERT_EQ(::stat(at("before/d").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST_F(LayerUnpack, TheLayersOwnEntryWinsOverItsWhiteoutInEitherOrder) {
  // OCI layer.md: "Whiteout files MUST only apply to resources in lower/parent layers."
  unpacked(pythonTar("own.tar",
                     "f('.wh.before')\nf('before', b'mine')\nf('after', b'mine too')\nf('.wh.after')\n"
                     "f('.wh.dir')\nf('dir/inside', b'x')"),
           "own");
  EXPECT_EQ(output("cat " + at("own/before") + " " + at("own/after")), "minemine too");
  EXPECT_TRUE(fs::is_directory(at("own/dir")));
  EXPECT_FALSE(isWhiteoutDevice(at("own/before")));
}

TEST_F(LayerUnpack, AHardLinkJoinsTheEarlierFileOfItsLayer) {
  fs::create_directories(at("src/bin"));
  std::ofstream(at("src/bin/busybox")) << "one binary, many names";
  fs::create_hard_link(at("src/bin/busybox"), at("src/bin/sh"));
  fs::create_hard_link(at("src/bin/busybox"), at("src/ls"));
  shell("gzip -n -k " + gnuTar("links.tar", "src"));
  unpacked(at("links.tar.gz"), "out");
  struct stat a, b, c;
  ASSERT_EQ(::stat(at("out/bin/busybox").c_str(), &a), 0);
  ASSERT_EQ(::stat(at("out/bin/sh").c_str(), &b), 0);
  ASSERT_EQ(::stat(at("out/ls").c_str(), &c), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_ino, c.st_ino);
  EXPECT_EQ(a.st_nlink, 3u);
}

TEST_F(LayerUnpack, ASymlinkChainIsKeptAsWritten) {
  fs::create_directories(at("src/usr/bin"));
  std::ofstream(at("src/usr/bin/python3.11")) << "#!";
  fs::create_symlink("python3.11", at("src/usr/bin/python3"));
  fs::create_symlink("python3", at("src/usr/bin/python"));
  fs::create_symlink("/usr/bin/python", at("src/py"));  // absolute: resolved in the container's root
  fs::create_symlink("../../../../..", at("src/up"));   // climbing: the same
  shell("zstd -q " + gnuTar("chain.tar", "src"));
  unpacked(at("chain.tar.zst"), "out");
  EXPECT_EQ(fs::read_symlink(at("out/usr/bin/python")), "python3");
  EXPECT_EQ(fs::read_symlink(at("out/usr/bin/python3")), "python3.11");
  EXPECT_EQ(fs::read_symlink(at("out/py")), "/usr/bin/python");
  EXPECT_EQ(fs::read_symlink(at("out/up")), "../../../../..");
  EXPECT_EQ(output("cat " + at("out/usr/bin/python")), "#!");
}

TEST_F(LayerUnpack, OwnersModesSetuidBitsAndTimesAreKept) {
  unpacked(
      pythonTar("su.tar",
                "d('bin', mtime=1111111111)\nf('bin/su', b'su', mode=0o4755, uid=1000, gid=1001, "
                "mtime=1234567890)\nd('tmp', mode=0o1777)\nentry('null', tarfile.CHRTYPE, 0o666, major=1, minor=3)\n"
                "entry('fifo', tarfile.FIFOTYPE, 0o600, uid=7)"),
      "out");
  struct stat st;
  ASSERT_EQ(::lstat(at("out/bin/su").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);  // set after chown, which clears it
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1001u);
  EXPECT_EQ(st.st_mtime, 1234567890);
  ASSERT_EQ(::lstat(at("out/bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 1111111111);  // after its file was written into it
  ASSERT_EQ(::lstat(at("out/tmp").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  ASSERT_EQ(::lstat(at("out/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_uid, 7u);
  ASSERT_EQ(::lstat(at("out/null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  ASSERT_EQ(::lstat(at("out").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);  // no root entry: what a layer directory is
}

TEST_F(LayerUnpack, CapabilitiesAndUserXattrsFromPaxAreKeptOthersSkipped) {
  // vfs_cap_data revision 2: CAP_NET_RAW permitted and effective (what `setcap cap_net_raw=ep` writes).
  unpacked(pythonTar("ping.tar",
                     "f('ping', b'ping', mode=0o755, pax={'SCHILY.xattr.security.capability': "
                     "'\\x01\\x00\\x00\\x02\\x00\\x20' + '\\x00' * 14, 'SCHILY.xattr.user.origin': 'debian', "
                     "'SCHILY.xattr.trusted.overlay.redirect': '/etc', 'SCHILY.xattr.security.selinux': 'x'})"),
           "out");
  // Read back as bytes, not with getcap: the v2 guest has no libcap2-bin.
  std::string capability("\x01\x00\x00\x02\x00\x20", 6);
  capability.append(14, '\0');
  EXPECT_EQ(xattrOf(at("out/ping"), "security.capability"), capability);
  EXPECT_EQ(xattrOf(at("out/ping"), "user.origin"), "debian");
  EXPECT_EQ(xattrOf(at("out/ping"), "trusted.overlay.redirect"), "(none)");
}

TEST_F(LayerUnpack, DigestAndDiffIdAreWhatSha256sumSaysOfTheBlobAndOfTheWholeTar) {
  fs::create_directories(at("src/etc"));
  std::ofstream(at("src/etc/os-release")) << "ID=debian\n";
  // GNU tar fills its last record with zeros after the end-of-archive blocks: the diff_id
  // covers them. Records of 2 MiB here, more than is read at once.
  std::string tar = at("layer.tar");
  shell("tar --numeric-owner --blocking-factor=4096 -C " + at("src") + " -cf " + tar + " .");
  ASSERT_EQ(fs::file_size(tar), 4096u * 512);
  shell("gzip -n -k " + tar + " && zstd -q " + tar);
  std::string diffId = sha256sumOf(tar);
  for (const std::string& blob : {tar, tar + ".gz", tar + ".zst"}) {
    std::string dir = "out-" + fs::path(blob).extension().string().substr(1);
    auto layer = unpacked(blob, dir);
    EXPECT_EQ(layer.digest, sha256sumOf(blob)) << blob;
    EXPECT_EQ(layer.diffId, diffId) << blob;
    EXPECT_EQ(layer.storedBytes, fs::file_size(blob));
    EXPECT_EQ(layer.tarBytes, fs::file_size(tar));
    EXPECT_EQ(layer.fileBytes, 10u);
    EXPECT_EQ(output("cat " + at(dir + "/etc/os-release")), "ID=debian\n");
  }
}

TEST_F(LayerUnpack, ALayerInsideALargerFileIsReadFromItsRangeOnly) {
  std::string tar = pythonTar("one.tar", "f('hello', b'world')");
  shell("gzip -n -k " + tar + " && (echo leading bytes; cat " + tar + ".gz; echo trailing bytes) > " + at("archive"));
  UniqueFd fd(::open(at("archive").c_str(), O_RDONLY | O_CLOEXEC));
  auto layer = image::unpackLayer(fd.get(), 14, fs::file_size(tar + ".gz"), at("out"));
  ASSERT_TRUE(layer) << layer.error().message();
  EXPECT_EQ(layer->digest, sha256sumOf(tar + ".gz"));
  EXPECT_EQ(::lseek(fd.get(), 0, SEEK_CUR), 0);
  EXPECT_EQ(output("cat " + at("out/hello")), "world");
}

TEST_F(LayerUnpack, ADotDotEscapeIsRefusedNamingTheLayerAndTheEntry) {
  std::string blob = pythonTar("escape.tar", "f('ok', b'1')\nf('a/../../bait/evil', b'pwned')");
  std::string error = refusal(blob, "out");
  EXPECT_EQ(error, "layer " + sha256sumOf(blob) +
                       " entry 'a/../../bait/evil' escapes the layer (its `..` climbs above the layer's root); "
                       "nothing of it was kept");
  EXPECT_FALSE(fs::exists(at("bait/evil")));
}

TEST_F(LayerUnpack, WritingThroughASymlinkIsRefused) {
  fs::create_directories(at("bait"));
  for (const std::string& target : {at("bait"), std::string("../bait"), std::string("sub")}) {
    std::string blob = pythonTar("through.tar", "d('sub')\nl('link', '" + target + "')\nf('link/x', b'pwned')");
    EXPECT_EQ(refusal(blob, "out"), "layer " + sha256sumOf(blob) +
                                        " entry 'link/x' passes through the symbolic link 'link' (a layer writes "
                                        "nothing through a link); nothing of it was kept");
  }
  // A directory the link stands for, made later through it, is no way round either.
  std::string blob = pythonTar("later.tar", "l('link', '" + at("bait") + "')\nd('link/dir')");
  EXPECT_NE(refusal(blob, "out").find("passes through the symbolic link 'link'"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(at("bait")));
}

TEST_F(LayerUnpack, AHardLinkOutOfTheLayerOrToNothingEarlierIsRefused) {
  std::string climbing = pythonTar("climb.tar", "h('passwd', '../../../../../../etc/passwd')");
  EXPECT_NE(refusal(climbing, "out")
                .find("entry 'passwd' is a hard link to '../../../../../../etc/passwd', which "
                      "escapes the layer"),
            std::string::npos);
  std::string absolute = pythonTar("absolute.tar", "h('passwd', '/etc/passwd')");
  EXPECT_NE(refusal(absolute, "out")
                .find("entry 'passwd' is a hard link to 'etc/passwd', which is not a file earlier "
                      "in this layer"),
            std::string::npos);
  std::string forward = pythonTar("forward.tar", "h('a', 'b')\nf('b', b'b')");
  EXPECT_NE(refusal(forward, "out").find("entry 'a' is a hard link to 'b', which is not a file earlier"),
            std::string::npos);
  // Through a symlink the layer made to the host's /etc.
  std::string linked = pythonTar("linked.tar", "l('etc', '/etc')\nh('shadow', 'etc/shadow')");
  EXPECT_NE(refusal(linked, "out").find("is a hard link to 'etc/shadow', which is not a file earlier"),
            std::string::npos);
}

TEST_F(LayerUnpack, ATruncatedLayerIsRefusedAndNothingStays) {
  fs::create_directories(at("src"));
  shell("head -c 300000 /dev/urandom > " + at("src/random"));
  std::string tar = gnuTar("layer.tar", "src");
  shell("gzip -n -k " + tar + " && zstd -q " + tar);
  for (auto [blob, why] :
       {std::pair{tar + ".gz", "is a gzip stream cut short"}, std::pair{tar + ".zst", "is a zstd stream cut short"},
        std::pair{tar, "entry 'random' is cut short or its data is broken"}}) {
    fs::resize_file(blob, fs::file_size(blob) / 2);
    std::string error = refusal(blob, "out");
    EXPECT_EQ(error.rfind("layer " + sha256sumOf(blob) + " ", 0), 0u) << error;
    EXPECT_NE(error.find(why), std::string::npos) << error;
  }
}

// umoci 0.4.7's `insert` ends its layers right after the last file's data (seen in
// scripts/make-layered-images.sh's opaque layer): Go's archive/tar, which Docker and containerd
// read layers with, takes that as the end. One byte of padding more or less is still a cut.
TEST_F(LayerUnpack, ATarEndingRightAfterItsLastDataIsWholeButNotOneEndingInsideThePadding) {
  std::string tar = pythonTar("full.tar", "f('etc/a', b'first'); f('etc/b', b'second')");
  std::string whole = at("no-padding.tar"), cut = at("half-padding.tar");
  // A header, "first" padded to 512, a header, "second": 1542 bytes.
  shell("head -c 1542 " + tar + " > " + whole + " && head -c 1600 " + tar + " > " + cut);
  auto layer = unpacked(whole, "out");
  EXPECT_EQ(layer.diffId, sha256sumOf(whole));
  EXPECT_EQ(output("cat " + at("out/etc/a") + " " + at("out/etc/b")), "firstsecond");
  EXPECT_NE(refusal(cut, "cut").find("entry 'etc/b' is cut short"), std::string::npos);
  shell("head -c 1541 " + tar + " > " + cut);
  EXPECT_NE(refusal(cut, "cut").find("entry 'etc/b' is cut short"), std::string::npos);
}

TEST_F(LayerUnpack, WhatIsNotALayerIsRefused) {
  std::ofstream(at("text")) << std::string(2048, 'x');
  EXPECT_NE(refusal(at("text"), "out").find("is not a tar archive, nor gzip or zstd"), std::string::npos);
  std::string parent = pythonTar("below.tar", "f('.wh.a/b')");
  EXPECT_NE(refusal(parent, "out").find("entry '.wh.a/b' lies below a whiteout"), std::string::npos);
}

TEST_F(LayerUnpack, AnExistingDirectoryIsNeitherFilledNorRemoved) {
  std::string blob = pythonTar("one.tar", "f('hello', b'world')");
  fs::create_directories(at("out"));
  std::ofstream(at("out/mine")) << "mine";
  auto layer = unpack(blob, "out");
  ASSERT_FALSE(layer);
  EXPECT_EQ(layer.error().errnum, EEXIST);
  EXPECT_TRUE(fs::exists(at("out/mine")));
  EXPECT_FALSE(fs::exists(at("out/hello")));
}

// A gzip bomb: 256 MiB of one byte repeated stored in about 1 MiB, unpacked into a 32 MiB tmpfs
// (mounted for the test in a private mount namespace of a child): refused once the
// filesystem would keep less than its reserve, before it is full, and nothing stays.
TEST_F(LayerUnpack, ALayerThatWouldFillTheStoresFilesystemIsRefusedBeforeItIsFull) {
  EXPECT_EQ(image::spaceReserveBytes(32u << 20), (32u << 20) / 20);
  EXPECT_EQ(image::spaceReserveBytes(uint64_t{1} << 40), uint64_t{1} << 30);
  std::string blob = at("bomb.tar.gz");
  shell(
      "/usr/bin/python3 -c \"import tarfile, io, gzip\n"
      "class Same(io.RawIOBase):\n"
      "  def __init__(s): s.left = 1 << 28\n"
      "  def readable(s): return True\n"
      "  def readinto(s, b):\n"
      "    n = min(len(b), s.left); b[:n] = b'a' * n; s.left -= n; return n\n"
      "with gzip.open('" +
      blob +
      "', 'wb', compresslevel=1) as z:\n"
      "  t = tarfile.open(fileobj=z, mode='w', format=tarfile.PAX_FORMAT)\n"
      "  i = tarfile.TarInfo('big'); i.size = 1 << 28\n"
      "  t.addfile(i, io.BufferedReader(Same(), 1 << 20)); t.close()\"");
  ASSERT_GT(fs::file_size(blob), 0u);
  ASSERT_LT(fs::file_size(blob), 8u << 20);
  std::string store = at("store"), report = at("report");
  fs::create_directories(store);
  pid_t child = ::fork();
  if (child == 0) {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(2);
    if (::mount("tmpfs", store.c_str(), "tmpfs", 0, "size=32m") != 0) _exit(3);
    UniqueFd fd(::open(blob.c_str(), O_RDONLY | O_CLOEXEC));
    auto layer = image::unpackLayer(fd.get(), 0, fs::file_size(blob), store + "/layer");
    struct statvfs after {};
    ::statvfs(store.c_str(), &after);
    std::ofstream out(report);
    out << (layer ? std::string("unpacked") : layer.error().message()) << "\n"
        << fs::exists(store + "/layer") << "\n"
        << static_cast<uint64_t>(after.f_bavail) * after.f_frsize << "\n";
    out.close();
    _exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::ifstream in(report);
  std::string why, stayed, freeAfter;
  std::getline(in, why);
  std::getline(in, stayed);
  std::getline(in, freeAfter);
  EXPECT_NE(why.find("would fill the image store's filesystem"), std::string::npos) << why;
  EXPECT_EQ(why.find("No space left"), std::string::npos) << why;
  EXPECT_NE(why.find("nothing of it was kept"), std::string::npos) << why;
  EXPECT_EQ(stayed, "0");
  EXPECT_GT(std::stoull(freeAfter), 30u << 20) << "the layer's files were not removed";
}
