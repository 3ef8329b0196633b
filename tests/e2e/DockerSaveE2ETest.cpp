// What `docker save` writes, from Debian's docker.io itself: the suite starts a private dockerd
// (scripts/private-dockerd.sh: its own data and exec roots, socket and cgroup parent, no
// bridge or iptables), imports the busybox rootfs, builds images from tests/e2e/docker-image
// (RUN steps that delete a file and replace a directory, so Docker's overlay2 driver writes
// the whiteouts and the opaque directory), pipes `docker save` into `agentctl image load` and
// compares what agentd's container sees with what Docker's container of the same image sees.
// Docker 20.10 (bookworm) writes the legacy layout; Docker 25 and later an OCI layout inside
// the tar: whichever is installed is the one tested (docs/testing.md).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include "E2ESupport.h"
#include "PrivateEngine.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

const std::string kContext = AGENT_DOCKER_CONTEXT;
const std::string kListFiles = kContext + "/list-files.sh";

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

size_t entriesIn(const fs::path& dir) {
  std::error_code ec;
  size_t count = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) ++count;
  return count;
}

// What Docker adds to every container's root on its own (its "init layer" and the files it
// bind-mounts), which agentd's containers rightly lack.
std::string withoutDockersOwnFiles(const std::string& listing) {
  static const std::set<std::string> kDockers = {"/.dockerenv", "/etc/hostname", "/etc/hosts", "/etc/mtab",
                                                 "/etc/resolv.conf"};
  std::string kept;
  for (const auto& line : lines(listing)) {
    std::string name = line.substr(0, line.find(' '));
    if (!kDockers.count(name)) kept += line + "\n";
  }
  return kept;
}

}  // namespace

class DockerSaveE2E : public ::testing::Test {
 protected:
  // One dockerd and one set of images for the suite: starting it and building takes seconds.
  static void SetUpTestSuite() {
    std::string parent = "agent-test-" + std::to_string(::getpid()) + "-docker";
    auto engine =
        agent::testsupport::startPrivateEngine(shell, "dockerd", AGENT_SCRIPTS_DIR "/private-dockerd.sh", parent);
    dir_ = engine.dir;
    skipReason_ = engine.skipReason;
    setupError_ = engine.error;
    if (!engine.started()) return;
    running_ = true;
    version_ = docker("version --format '{{.Server.Version}}'").out;
    const std::vector<std::string> steps = {
        "tar -C " AGENT_TEST_IMAGES "/busybox/rootfs -c . | " + dockerCommand() +
            " import -c 'CMD [\"/bin/sh\"]' - agent-e2e-busybox:imported",
        // The classic builder: each RUN in a container of this dockerd, no network.
        "DOCKER_BUILDKIT=0 " + dockerCommand() + " build -q --network none -f " + kContext +
            "/Dockerfile.files -t agent-e2e-files:v1 " + kContext,
        "DOCKER_BUILDKIT=0 " + dockerCommand() + " build -q --network none -f " + kContext +
            "/Dockerfile.app -t agent-e2e-app:v1 " + kContext,
        "DOCKER_BUILDKIT=0 " + dockerCommand() + " build -q --network none -f " + kContext +
            "/Dockerfile.same -t agent-e2e-same:v1 " + kContext,
    };
    for (const auto& step : steps) {
      Ran ran = shell(step);
      if (ran.exitCode != 0) {
        setupError_ = "`" + step + "` exited " + std::to_string(ran.exitCode) + ":\n" + ran.out;
        return;
      }
    }
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) shell(AGENT_SCRIPTS_DIR "/private-dockerd.sh stop " + dir_);
    EXPECT_FALSE(fs::exists(dir_)) << "the private dockerd's directory stayed: " << dir_;
  }
  void SetUp() override {
    if (!skipReason_.empty()) AGENT_SKIP_OR_FAIL_UNDER_CI(skipReason_);
    ASSERT_TRUE(setupError_.empty()) << setupError_;
    ASSERT_TRUE(running_);
    RecordProperty("docker", version_);
  }

  static std::string dockerCommand() { return "/usr/bin/docker -H unix://" + dir_ + "/docker.sock"; }
  static Ran docker(const std::string& args) { return shell(dockerCommand() + " " + args); }
  // `docker save IMAGES | agentctl image load`, as a user pipes them.
  static Ran saveInto(const Agent& agent, const std::string& images) {
    return shell(dockerCommand() + " save " + images + " | " + agent.ctlCommand() + " image load");
  }
  static std::vector<std::string> diffIds(const std::string& image) {
    std::vector<std::string> ids;
    for (const auto& line :
         lines(docker("image inspect --format '{{range .RootFS.Layers}}{{println .}}{{end}}' " + image).out))
      if (!line.empty()) ids.push_back(line);  // the format's own newline ends in an empty line
    return ids;
  }

  static inline std::string dir_;
  static inline std::string skipReason_;
  static inline std::string setupError_;
  static inline std::string version_;
  static inline bool running_ = false;
};

TEST_F(DockerSaveE2E, ItsLayersRunWithTheFilesDockerShows) {
  Agent agent;
  Ran loaded = saveInto(agent, "agent-e2e-files:v1");
  ASSERT_EQ(loaded.exitCode, 0) << loaded.out;
  EXPECT_TRUE(has(loaded.out, "Loaded image: agent-e2e-files:v1")) << loaded.out;
  EXPECT_TRUE(has(loaded.out, "6 layers")) << loaded.out;  // busybox, RUN, COPY, COPY, RUN, RUN

  std::string volume = " -v " + kListFiles + ":/list-files.sh:ro ";
  Ran theirs = docker("run --rm --network none" + volume + "agent-e2e-files:v1 sh /list-files.sh");
  ASSERT_EQ(theirs.exitCode, 0) << theirs.out;
  Ran ours = agent.ctl("run --rm" + volume + "agent-e2e-files:v1 -- sh /list-files.sh");
  ASSERT_EQ(ours.exitCode, 0) << ours.out;
  // Every name, type, mode, owner, size and link count as Docker's container has them.
  EXPECT_EQ(ours.out, withoutDockersOwnFiles(theirs.out)) << "docker " << version_;

  // And what the layers were made to show, in so many words.
  EXPECT_FALSE(has(ours.out, "/bin/vi ")) << ours.out;       // a base file deleted
  EXPECT_FALSE(has(ours.out, "/opt/keep.txt")) << ours.out;  // a file of a layer deleted
  EXPECT_FALSE(has(ours.out, "/opt/gone")) << ours.out;      // a tree deleted
  EXPECT_TRUE(has(ours.out, "/opt/data/new.txt regular file 644 0:0 6 1")) << ours.out;
  EXPECT_FALSE(has(ours.out, "/opt/data/old.txt")) << ours.out;  // the directory replaced: opaque
  EXPECT_TRUE(has(ours.out, "/etc/app/app.conf.hardlink regular file 644 0:0 8 2")) << ours.out;
  EXPECT_TRUE(has(ours.out, "/etc/app/link2 -> link1")) << ours.out;
  EXPECT_EQ(agent.ctl("run --rm agent-e2e-files:v1 -- cat /etc/app/link2 /hello.txt").out,
            "level=3\nhello from a docker layer\n");
}

TEST_F(DockerSaveE2E, ItsConfigRunsAsDockerRunsIt) {
  Agent agent;
  Ran loaded = saveInto(agent, "agent-e2e-app:v1");
  ASSERT_EQ(loaded.exitCode, 0) << loaded.out;
  // No command: Entrypoint + Cmd as User nobody in WorkingDir /tmp with Env GREETING.
  Ran theirs = docker("run --rm --network none agent-e2e-app:v1");
  Ran ours = agent.ctl("run --rm agent-e2e-app:v1");
  EXPECT_EQ(ours.exitCode, 0) << ours.out;
  EXPECT_EQ(ours.out, theirs.out);
  EXPECT_EQ(ours.out, "hi from /tmp as 65534:65534 with one two\nlevel=3\n");
  // A command replaces Cmd and keeps Entrypoint.
  Ran theirsWith = docker("run --rm --network none agent-e2e-app:v1 three");
  Ran oursWith = agent.ctl("run --rm agent-e2e-app:v1 -- three");
  EXPECT_EQ(oursWith.out, theirsWith.out);
  EXPECT_TRUE(has(oursWith.out, "with three\n")) << oursWith.out;
  Ran inspected = agent.ctl("image inspect agent-e2e-app:v1");
  EXPECT_TRUE(has(inspected.out, "\"team\": \"core\"")) << inspected.out;
  EXPECT_TRUE(has(inspected.out, "8080/tcp")) << inspected.out;
}

// Docker keys a layer by its place in the chain, so an image may hold the same diff_id twice;
// overlayfs refuses one directory twice among the lower layers (ELOOP).
TEST_F(DockerSaveE2E, ALayerThatComesBackHigherUpRuns) {
  std::vector<std::string> layers = diffIds("agent-e2e-same:v1");
  ASSERT_EQ(layers.size(), 4u);
  ASSERT_EQ(layers[1], layers[3]) << "Dockerfile.same no longer makes one layer twice";
  Agent agent;
  Ran loaded = saveInto(agent, "agent-e2e-same:v1");
  ASSERT_EQ(loaded.exitCode, 0) << loaded.out;
  EXPECT_EQ(entriesIn(agent.root() / "data" / "image-store" / "layers"), 3u);  // unpacked once
  Ran theirs = docker("run --rm --network none agent-e2e-same:v1 cat /same.txt");
  Ran ours = agent.ctl("run --rm agent-e2e-same:v1 -- cat /same.txt");
  EXPECT_EQ(ours.exitCode, 0) << ours.out;
  EXPECT_EQ(ours.out, theirs.out);
  EXPECT_EQ(ours.out, "same bytes\n");
  // Each layer idmapped once for a user namespace of its own.
  Ran userns = agent.ctl("run --rm --userns auto agent-e2e-same:v1 -- cat /same.txt");
  EXPECT_EQ(userns.out, "same bytes\n");
}

TEST_F(DockerSaveE2E, AnArchiveOfSeveralImagesAndAnImageSavedByIdLoad) {
  Agent agent;
  // `docker save ID` writes no name: the image loads by id, as `docker load` says it.
  std::string id = docker("image inspect --format '{{.Id}}' agent-e2e-same:v1").out;
  id = id.substr(0, id.find('\n'));
  ASSERT_EQ(id.substr(0, 7), "sha256:") << id;
  Ran byId = saveInto(agent, id);
  ASSERT_EQ(byId.exitCode, 0) << byId.out;
  EXPECT_TRUE(has(byId.out, "Loaded image ID: " + id)) << byId.out;
  EXPECT_EQ(agent.ctl("run --rm " + id.substr(7, 12) + " -- cat /same.txt").out, "same bytes\n");

  // Three images in one archive; files and app share every layer, busybox's is in all three.
  Ran loaded = saveInto(agent, "agent-e2e-files:v1 agent-e2e-app:v1 agent-e2e-same:v1");
  ASSERT_EQ(loaded.exitCode, 0) << loaded.out;
  for (const char* name : {"agent-e2e-files:v1", "agent-e2e-app:v1", "agent-e2e-same:v1"})
    EXPECT_TRUE(has(loaded.out, std::string("Loaded image: ") + name)) << loaded.out;
  std::set<std::string> unique;
  for (const char* name : {"agent-e2e-files:v1", "agent-e2e-app:v1", "agent-e2e-same:v1"}) {
    for (const auto& layer : diffIds(name)) unique.insert(layer);
  }
  EXPECT_EQ(entriesIn(agent.root() / "data" / "image-store" / "layers"), unique.size());
  EXPECT_EQ(agent.ctl("run --rm agent-e2e-same:v1 -- cat /same.txt").out, "same bytes\n");
  EXPECT_EQ(agent.ctl("run --rm agent-e2e-app:v1 -- x").out, "hi from /tmp as 65534:65534 with x\nlevel=3\n");
}
