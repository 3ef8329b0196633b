// Layered images as a user has them: archives and OCI layouts made by umoci and skopeo
// (scripts/make-layered-images.sh), loaded with `agentctl image load`, run, shared, tagged,
// removed and pruned (docs/images.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "E2ESupport.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

const std::string kImages = AGENT_LAYERED_IMAGES;

size_t entriesIn(const fs::path& dir) {
  std::error_code ec;
  size_t count = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) ++count;
  return count;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(LayeredImagesE2E, ADockerArchiveLoadsAndRunsAsItsConfigSays) {
  Agent agent;
  Ran loaded = agent.ctl("image load -i " + kImages + "/app.tar");
  ASSERT_EQ(loaded.exitCode, 0) << loaded.out;
  EXPECT_TRUE(has(loaded.out, "Loaded image: app:v1")) << loaded.out;

  // No command: the image's Cmd, as its User, in its WorkingDir, with its Env.
  Ran ran = agent.ctl("run --rm app:v1");
  EXPECT_EQ(ran.exitCode, 0) << ran.out;
  EXPECT_TRUE(has(ran.out, "hi from /tmp as 65534:65534")) << ran.out;
  EXPECT_TRUE(has(ran.out, "hello from a layer")) << ran.out;

  // docker run's --user and --entrypoint over the image's User, Entrypoint and Cmd; --user
  // with a flat image too (its own /etc/passwd has nobody); a user that is no user refused.
  Ran root = agent.ctl("run --rm --user 0:0 --entrypoint /bin/sh app:v1 -- -c 'echo $(id -u) in $(pwd)'");
  EXPECT_EQ(root.exitCode, 0) << root.out;
  EXPECT_TRUE(has(root.out, "0 in /tmp")) << root.out;
  Ran nobody = agent.ctl("run --rm -u nobody busybox -- id -u");
  EXPECT_TRUE(has(nobody.out, "65534")) << nobody.out;
  Ran bad = agent.ctl("run --rm -u a:b:c busybox -- true");
  EXPECT_EQ(bad.exitCode, 1) << bad.out;
  EXPECT_TRUE(has(bad.out, "is not NAME, UID, NAME:GROUP or UID:GID")) << bad.out;

  // The layers as overlayfs shows them: a whiteout, an opaque directory, a hard link, a chain
  // of symlinks.
  Ran files = agent.ctl(
      "run --rm app:v1 -- sh -c 'ls /bin/vi; ls /opt/data; cat /etc/app/link2; stat -c %h /etc/app/conf.hardlink'");
  EXPECT_TRUE(has(files.out, "No such file")) << files.out;
  EXPECT_TRUE(has(files.out, "new.txt")) << files.out;
  EXPECT_FALSE(has(files.out, "old.txt")) << files.out;
  EXPECT_TRUE(has(files.out, "level=2")) << files.out;
  EXPECT_TRUE(has(files.out, "\n2\n")) << files.out;

  Ran listed = agent.ctl("image ls");
  EXPECT_TRUE(has(listed.out, "app") && has(listed.out, "v1")) << listed.out;
  Ran inspected = agent.ctl("image inspect app:v1");
  EXPECT_EQ(inspected.exitCode, 0) << inspected.out;
  EXPECT_TRUE(has(inspected.out, "\"team\": \"core\"")) << inspected.out;
  EXPECT_TRUE(has(inspected.out, "8080/tcp")) << inspected.out;
}

TEST(LayeredImagesE2E, ImagesThatShareABaseShareItsLayerOnDisk) {
  Agent agent;
  ASSERT_EQ(agent.ctl("image load -i " + kImages + "/app.tar").exitCode, 0);
  fs::path layers = agent.root() / "data" / "image-store" / "layers";
  size_t afterApp = entriesIn(layers);
  Ran tool = agent.ctl("image load -i " + kImages + "/tool.tar");
  ASSERT_EQ(tool.exitCode, 0) << tool.out;
  EXPECT_TRUE(has(tool.out, "already in the store")) << tool.out;
  EXPECT_EQ(entriesIn(layers), afterApp + 1);  // tool's own layer only
  // The same image as an OCI archive: nothing new on disk.
  Ran again = agent.ctl("image load -i " + kImages + "/app-oci.tar");
  ASSERT_EQ(again.exitCode, 0) << again.out;
  EXPECT_EQ(entriesIn(layers), afterApp + 1);
  EXPECT_EQ(agent.ctl("run --rm tool:v1 -- cat /tool.txt").out, "tool\n");
}

// Three loads sharing a base at once: one at a time in the store, so each layer is unpacked
// once and every image runs, as when they are loaded one after the other.
TEST(LayeredImagesE2E, LoadsAtOnceShareTheirBase) {
  fs::path layers;
  size_t sequential = 0;
  {
    Agent one;
    for (const char* archive : {"/app.tar", "/tool.tar", "/app-oci.tar"})
      ASSERT_EQ(one.ctl("image load -i " + kImages + archive).exitCode, 0);
    sequential = entriesIn(one.root() / "data" / "image-store" / "layers");
  }
  Agent agent;
  std::string ctl = agent.ctlCommand() + " image load -i " + kImages;
  Ran all = shell("(" + ctl + "/app.tar > /dev/null & " + ctl + "/tool.tar > /dev/null & " + ctl +
                  "/app-oci.tar > /dev/null & wait %1 && wait %2 && wait %3)");
  EXPECT_EQ(all.exitCode, 0) << all.out;
  EXPECT_EQ(entriesIn(agent.root() / "data" / "image-store" / "layers"), sequential);
  EXPECT_EQ(agent.ctl("run --rm tool:v1 -- cat /tool.txt").out, "tool\n");
  Ran app = agent.ctl("run --rm app:v1 -- cat /hello.txt");
  EXPECT_EQ(app.exitCode, 0) << app.out;
}

TEST(LayeredImagesE2E, ACorruptLayerIsRefusedNamingItAndNothingStays) {
  Agent agent;
  std::string corrupt = (agent.root() / "corrupt.tar").string();
  fs::copy_file(kImages + "/app.tar", corrupt);
  // One byte of a file inside a layer changed: the archive's own checks no longer hold.
  std::fstream file(corrupt, std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  size_t at = bytes.find("hello from a layer");
  ASSERT_NE(at, std::string::npos);
  file.seekp(static_cast<std::streamoff>(at));
  file.put('J');
  file.close();
  Ran loaded = agent.ctl("image load -i " + corrupt);
  EXPECT_EQ(loaded.exitCode, 1) << loaded.out;
  EXPECT_TRUE(has(loaded.out, "layer") && has(loaded.out, "sha256")) << loaded.out;
  EXPECT_FALSE(has(agent.ctl("image ls").out, "app")) << agent.ctl("image ls").out;
  EXPECT_EQ(entriesIn(agent.root() / "data" / "image-store" / "layers"), 0u);
  EXPECT_EQ(entriesIn(agent.root() / "data" / "image-store" / "tmp"), 0u);

  // The same damaged archive once the store has its layers (from the whole one): still
  // refused, though its layers are not unpacked again.
  ASSERT_EQ(agent.ctl("image load -i " + kImages + "/app.tar").exitCode, 0);
  ASSERT_EQ(agent.ctl("image tag app:v1 kept:1").exitCode, 0);
  ASSERT_EQ(agent.ctl("image rm app:v1").exitCode, 0);  // untagged: the image and its layers stay as kept:1
  size_t layers = entriesIn(agent.root() / "data" / "image-store" / "layers");
  Ran again = agent.ctl("image load -i " + corrupt);
  EXPECT_EQ(again.exitCode, 1) << again.out;
  EXPECT_TRUE(has(again.out, "the archive is corrupt, truncated or was altered")) << again.out;
  EXPECT_FALSE(has(agent.ctl("image ls").out, "app")) << agent.ctl("image ls").out;
  EXPECT_EQ(entriesIn(agent.root() / "data" / "image-store" / "layers"), layers);
}

TEST(LayeredImagesE2E, TagRemoveAndPruneKeepWhatAContainerUses) {
  Agent agent;
  ASSERT_EQ(agent.ctl("image load -i " + kImages + "/app.tar").exitCode, 0);
  ASSERT_EQ(agent.ctl("image tag app:v1 mine:1").exitCode, 0);
  Ran untagged = agent.ctl("image rm app:v1");
  EXPECT_EQ(untagged.exitCode, 0) << untagged.out;
  EXPECT_TRUE(has(untagged.out, "Untagged: app:v1")) << untagged.out;
  Ran started = agent.ctl("run -d --name user mine:1 -- sleep 100");
  ASSERT_EQ(started.exitCode, 0) << started.out;
  Ran refused = agent.ctl("image rm mine:1");
  EXPECT_EQ(refused.exitCode, 1) << refused.out;
  EXPECT_TRUE(has(refused.out, "used by a container")) << refused.out;
  Ran forced = agent.ctl("image rm -f mine:1");
  EXPECT_EQ(forced.exitCode, 0) << forced.out;
  EXPECT_TRUE(has(forced.out, "Deleted:")) << forced.out;
  fs::path layers = agent.root() / "data" / "image-store" / "layers";
  size_t kept = entriesIn(layers);
  EXPECT_GT(kept, 0u);  // the container's
  ASSERT_EQ(agent.ctl("image prune").exitCode, 0);
  EXPECT_EQ(entriesIn(layers), kept);
  EXPECT_EQ(agent.ctl("exec user -- cat /hello.txt").out, "hello from a layer\n");
  ASSERT_EQ(agent.ctl("rm -f user").exitCode, 0);
  Ran pruned = agent.ctl("image prune");
  EXPECT_EQ(pruned.exitCode, 0) << pruned.out;
  EXPECT_EQ(entriesIn(layers), 0u) << pruned.out;
}

TEST(LayeredImagesE2E, AnImageOf121LayersRuns) {
  Agent agent;
  ASSERT_EQ(agent.ctl("image load -i " + kImages + "/many.tar").exitCode, 0);
  Ran ran = agent.ctl("run --rm many:v1");
  EXPECT_EQ(ran.exitCode, 0) << ran.out;
  EXPECT_EQ(ran.out, "120\n");
}

TEST(LayeredImagesE2E, StdinAndAnOciLayoutDirectoryLoadToo) {
  Agent agent;
  Ran piped = shell("cat " + kImages + "/tool.tar | " + agent.ctlCommand() + " image load");
  EXPECT_EQ(piped.exitCode, 0) << piped.out;
  EXPECT_TRUE(has(piped.out, "Loaded image: tool:v1")) << piped.out;
  // umoci's layout names its images by bare ref.name words (`base`, `app`): each is loaded as
  // WORD:latest, as podman load does, and said so.
  Ran layout = agent.ctl("image load -i " + kImages + "/oci");
  EXPECT_EQ(layout.exitCode, 0) << layout.out;
  EXPECT_TRUE(has(layout.out, "Loaded image: base:latest")) << layout.out;
  EXPECT_TRUE(has(layout.out, "Loaded image: app:latest")) << layout.out;
  EXPECT_TRUE(has(layout.out, "\"base\" has no tag; loaded as base:latest")) << layout.out;
  Ran inspected = agent.ctl("image inspect base");
  EXPECT_EQ(inspected.exitCode, 0) << inspected.out;
}

TEST(LayeredImagesE2E, AUserNamespaceSeesTheLayersOwnedByItsRoot) {
  Agent agent;
  ASSERT_EQ(agent.ctl("image load -i " + kImages + "/app.tar").exitCode, 0);
  Ran ran = agent.ctl("run --rm --userns auto app:v1 -- sh -c 'stat -c %u:%g /hello.txt /bin/busybox; id -u'");
  EXPECT_EQ(ran.exitCode, 0) << ran.out;
  EXPECT_EQ(ran.out, "0:0\n0:0\n65534\n");
}

TEST(LayeredImagesE2E, ExecRunsAsTheContainersUserInItsWorkingDirectoryUnlessToldOtherwise) {
  Agent agent;
  ASSERT_EQ(agent.ctl("image load -i " + kImages + "/app.tar").exitCode, 0);
  Ran started = agent.ctl("run -d app:v1 -- sleep 600");
  ASSERT_EQ(started.exitCode, 0) << started.out;
  std::string id = started.out.substr(0, started.out.find('\n'));

  // As docker exec: the image's User (65534) and WorkingDir (/tmp), with its HOME.
  Ran plain = agent.ctl("exec " + id + " -- sh -c 'echo $(id -u):$(id -g) in $(pwd)'");
  EXPECT_EQ(plain.exitCode, 0) << plain.out;
  EXPECT_TRUE(has(plain.out, "65534:65534 in /tmp")) << plain.out;
  // exec -u / -w instead.
  Ran root = agent.ctl("exec -u 0:0 -w /etc " + id + " -- sh -c 'echo $(id -u) in $(pwd)'");
  EXPECT_EQ(root.exitCode, 0) << root.out;
  EXPECT_TRUE(has(root.out, "0 in /etc")) << root.out;
  Ran named = agent.ctl("exec --user nobody " + id + " -- id -un");
  EXPECT_TRUE(has(named.out, "nobody")) << named.out;
  // A missing directory or user: exit 126 and why, as docker exec; a relative one refused.
  Ran missing = agent.ctl("exec -w /no/such/dir " + id + " -- true");
  EXPECT_EQ(missing.exitCode, 126) << missing.out;
  EXPECT_TRUE(has(missing.out, "/no/such/dir")) << missing.out;
  Ran nouser = agent.ctl("exec -u ghost " + id + " -- true");
  EXPECT_EQ(nouser.exitCode, 126) << nouser.out;
  EXPECT_TRUE(has(nouser.out, "ghost")) << nouser.out;
  Ran relative = agent.ctl("exec -w tmp " + id + " -- true");
  EXPECT_EQ(relative.exitCode, 1) << relative.out;
  EXPECT_TRUE(has(relative.out, "is not an absolute path")) << relative.out;
  EXPECT_EQ(agent.ctl("rm -f " + id).exitCode, 0);
}
