// Real images made offline by tools no one here wrote (umoci, skopeo), and the docker save
// layouts Debian's docker 20.10 cannot write laid out by make_image_archives.py from the same
// image: planLoad finds each one's names, config, layers in order, and digests that match
// the bytes the source gives by range.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>

#include "BlobSource.h"
#include "FixtureTree.h"
#include "LoadPlan.h"
#include "Sha256.h"

namespace agent::image {
namespace {

using fixture::FixtureTree;

bool run(const std::string& command) {
  int status = std::system((command + " >/dev/null 2>&1").c_str());
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool haveTools() {
  return run("command -v umoci") && run("command -v skopeo") && run("command -v python3");
}

std::string bytesOf(const BlobRange& range) {
  std::string bytes(range.length, '\0');
  EXPECT_EQ(::pread(range.fd, bytes.data(), bytes.size(), static_cast<off_t>(range.offset)),
            static_cast<ssize_t>(range.length));
  return bytes;
}

std::string gunzipped(const std::string& bytes) {
  if (bytes.size() < 2 || bytes[0] != '\x1f' || bytes[1] != '\x8b') return bytes;
  z_stream z{};
  inflateInit2(&z, 32 + 15);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  char buffer[65536];
  int status = Z_OK;
  while (status == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    status = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
  }
  inflateEnd(&z);
  EXPECT_EQ(status, Z_STREAM_END);
  return out;
}

// One image of three layers (/bin/one, /etc/two, /srv/three, in that order) and a config,
// made by umoci in `dir`/oci as `t`.
class ImageTools : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveTools()) {
      const char* ci = std::getenv("CI");  // under CI the set-up installs them: missing is a fault
      if (ci && *ci && std::string(ci) != "false") FAIL() << "umoci, skopeo or python3 missing under CI";
      GTEST_SKIP() << "umoci, skopeo or python3 missing (scripts/install-deps.sh test installs them)";
    }
    tree_.file("files/one", "one\n").file("files/two", "two\n").file("files/three", "three\n");
    const std::string oci = tree_.path("oci");
    ASSERT_TRUE(run("umoci init --layout " + oci + " && umoci new --image " + oci + ":t"));
    ASSERT_TRUE(run("umoci insert --image " + oci + ":t " + tree_.path("files/one") + " /bin/one"));
    ASSERT_TRUE(run("umoci insert --image " + oci + ":t " + tree_.path("files/two") + " /etc/two"));
    ASSERT_TRUE(run("umoci insert --image " + oci + ":t " + tree_.path("files/three") + " /srv/three"));
    ASSERT_TRUE(run("umoci config --image " + oci +
                    ":t --config.entrypoint /bin/one --config.cmd x --config.env A=1 --config.workingdir /srv "
                    "--config.user 1000:1000 --config.label k=v --config.exposedports 80/tcp"));
  }

  std::vector<PlannedImage> plan(const std::string& path) {
    auto source = openImageSource(path);
    EXPECT_TRUE(source) << source.error().message();
    if (!source) return {};
    auto images = planLoad(**source);
    EXPECT_TRUE(images) << images.error().message();
    if (!images) return {};
    // Every layer as the source gives it by range: its digest (where the format names one)
    // and its diff_id match its bytes, and layer i holds the i-th file inserted.
    for (const auto& image : *images) {
      for (size_t i = 0; i < image.layers.size(); ++i) {
        const auto& layer = image.layers[i];
        auto range = (*source)->range(layer.path);
        EXPECT_TRUE(range) << layer.path;
        if (!range) continue;
        std::string stored = bytesOf(*range);
        if (!layer.digest.empty()) {
          EXPECT_EQ(sha256Digest(stored), layer.digest) << path << " " << layer.path;
        }
        std::string tar = gunzipped(stored);
        EXPECT_EQ(sha256Digest(tar), layer.diffId) << path << " " << layer.path;
        const char* files[] = {"bin/one", "etc/two", "srv/three"};
        if (i < 3) {
          EXPECT_NE(tar.find(files[i]), std::string::npos) << path << " layer " << i;
        }
      }
    }
    return *images;
  }

  static void expectTheConfig(const PlannedImage& image) {
    EXPECT_EQ(image.config.entrypoint, std::vector<std::string>{"/bin/one"});
    EXPECT_EQ(image.config.cmd, std::vector<std::string>{"x"});
    EXPECT_NE(std::find(image.config.env.begin(), image.config.env.end(), "A=1"), image.config.env.end());
    EXPECT_EQ(image.config.workingDir, "/srv");
    EXPECT_EQ(image.config.user, "1000:1000");
    EXPECT_EQ(image.config.labels.at("k"), "v");
    EXPECT_EQ(image.config.exposedPorts, std::vector<std::string>{"80/tcp"});
    EXPECT_EQ(image.layers.size(), 3u);
    EXPECT_EQ(image.configDigest, sha256Digest(image.configJson));
  }

  FixtureTree tree_;
};

TEST_F(ImageTools, UmociLayoutDirectoryAndSkopeosArchivesPlanTheSameImage) {
  auto layout = plan(tree_.path("oci"));
  ASSERT_EQ(layout.size(), 1u);
  EXPECT_EQ(layout[0].format, "oci-layout");
  EXPECT_EQ(layout[0].names, std::vector<std::string>{"t"});
  expectTheConfig(layout[0]);

  // skopeo's docker-archive: the legacy docker save layout, `<id>/layer.tar` symlinks to the
  // layers, `repositories`.
  ASSERT_TRUE(run("skopeo --insecure-policy copy -q oci:" + tree_.path("oci") +
                  ":t docker-archive:" + tree_.path("da.tar") + ":web:1"));
  auto docker = plan(tree_.path("da.tar"));
  ASSERT_EQ(docker.size(), 1u);
  EXPECT_EQ(docker[0].format, "docker-archive");
  EXPECT_EQ(docker[0].names, std::vector<std::string>{"docker.io/library/web:1"});
  expectTheConfig(docker[0]);
  EXPECT_EQ(docker[0].configDigest, layout[0].configDigest);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(docker[0].layers[i].diffId, layout[0].layers[i].diffId);

  // skopeo's oci-archive: the layout in a tar, gzip layers.
  ASSERT_TRUE(run("skopeo --insecure-policy copy -q oci:" + tree_.path("oci") +
                  ":t oci-archive:" + tree_.path("oa.tar") + ":web:2"));
  auto archive = plan(tree_.path("oa.tar"));
  ASSERT_EQ(archive.size(), 1u);
  EXPECT_EQ(archive[0].format, "oci-layout");
  EXPECT_EQ(archive[0].names, std::vector<std::string>{"web:2"});
  expectTheConfig(archive[0]);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(archive[0].layers[i].digest, layout[0].layers[i].digest);
}

TEST_F(ImageTools, Docker25AndContainerdStoreArchivesPlanTheSameImage) {
  ASSERT_TRUE(
      run("python3 " AGENT_TEST_SOURCE_DIR "/make_image_archives.py " + tree_.path("oci") + " t " + tree_.root()));
  auto layout = plan(tree_.path("oci"));
  ASSERT_EQ(layout.size(), 1u);

  auto docker25 = plan(tree_.path("docker25.tar"));
  ASSERT_EQ(docker25.size(), 1u);
  EXPECT_EQ(docker25[0].format, "docker-archive-oci");
  EXPECT_EQ(docker25[0].names, (std::vector<std::string>{"web:25", "web:latest"}));
  expectTheConfig(docker25[0]);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(docker25[0].layers[i].digest, layout[0].layers[i].diffId);  // stored plain

  auto containerd = plan(tree_.path("containerd.tar"));
  ASSERT_EQ(containerd.size(), 1u);
  EXPECT_EQ(containerd[0].format, "oci-layout");
  EXPECT_EQ(containerd[0].names, std::vector<std::string>{"docker.io/library/web:multi"});
  expectTheConfig(containerd[0]);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(containerd[0].layers[i].digest, layout[0].layers[i].digest);
}

TEST_F(ImageTools, AnImageOfZeroLayersPlansWithNoneInEachFormat) {
  const std::string oci = tree_.path("oci");
  ASSERT_TRUE(run("umoci new --image " + oci + ":empty"));
  ASSERT_TRUE(
      run("skopeo --insecure-policy copy -q oci:" + oci + ":empty docker-archive:" + tree_.path("e.tar") + ":e:1"));
  ASSERT_TRUE(
      run("skopeo --insecure-policy copy -q oci:" + oci + ":empty oci-archive:" + tree_.path("eo.tar") + ":e:1"));
  auto layout = plan(oci);
  ASSERT_EQ(layout.size(), 2u);
  EXPECT_EQ(layout[1].names, std::vector<std::string>{"empty"});
  EXPECT_TRUE(layout[1].layers.empty());
  for (const auto& archive : {tree_.path("e.tar"), tree_.path("eo.tar")}) {
    auto images = plan(archive);
    ASSERT_EQ(images.size(), 1u) << archive;
    EXPECT_TRUE(images[0].layers.empty()) << archive;
    EXPECT_TRUE(images[0].config.diffIds.empty()) << archive;
    EXPECT_EQ(images[0].configDigest, layout[1].configDigest) << archive;
  }
}

TEST_F(ImageTools, DamagedArchivesAreRefusedNamingTheArchiveAndTheFile) {
  ASSERT_TRUE(run("skopeo --insecure-policy copy -q oci:" + tree_.path("oci") +
                  ":t oci-archive:" + tree_.path("oa.tar") + ":web:2"));
  auto layout = plan(tree_.path("oci"));
  ASSERT_EQ(layout.size(), 1u);
  std::string configHex(digestHex(layout[0].configDigest));

  // A gzipped whole archive, as `docker save | gzip` gives.
  ASSERT_TRUE(run("gzip -k " + tree_.path("oa.tar")));
  auto gzipped = openImageSource(tree_.path("oa.tar.gz"));
  ASSERT_FALSE(gzipped);
  EXPECT_NE(gzipped.error().message().find("is a gzip-compressed archive"), std::string::npos);

  // One byte of the config changed inside the tar: refused naming the archive and the blob.
  ASSERT_TRUE(
      run("python3 -c \"import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); "
          "i=b.index(b'1000:1000', b.index(b'" +
          configHex + "')); b[i]=ord('2'); open(p,'wb').write(b)\" " + tree_.path("oa.tar")));
  auto source = openImageSource(tree_.path("oa.tar"));
  ASSERT_TRUE(source) << source.error().message();
  auto changed = planLoad(**source);
  ASSERT_FALSE(changed);
  EXPECT_NE(
      changed.error().message().find("`" + tree_.path("oa.tar") + "`: `blobs/sha256/" + configHex + "` has digest"),
      std::string::npos)
      << changed.error().message();

  // Cut short: refused naming the archive.
  ASSERT_TRUE(run("skopeo --insecure-policy copy -q oci:" + tree_.path("oci") +
                  ":t oci-archive:" + tree_.path("cut.tar") + ":web:2"));
  ASSERT_EQ(::truncate(tree_.path("cut.tar").c_str(), 1500), 0);
  auto cut = openImageSource(tree_.path("cut.tar"));
  if (cut) {
    auto planned = planLoad(**cut);
    ASSERT_FALSE(planned);
    EXPECT_NE(planned.error().message().find(tree_.path("cut.tar")), std::string::npos) << planned.error().message();
  } else {
    EXPECT_NE(cut.error().message().find(tree_.path("cut.tar")), std::string::npos) << cut.error().message();
  }
}

}  // namespace
}  // namespace agent::image
