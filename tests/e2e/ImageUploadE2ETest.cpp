// `image load` from a client that shares nothing with agentd but its API address and token
// (--api, --token-file, no state dir): the archive goes as the request's body, the progress
// comes back as it loads, and an upload cut short, too large or bad leaves nothing
// (docs/images.md "Loading from another host").
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "E2ESupport.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

const std::string kImages = AGENT_LAYERED_IMAGES;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

size_t entriesIn(const fs::path& dir) {
  std::error_code ec;
  size_t count = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) ++count;
  return count;
}

std::string apiUrl(const Agent& agent) {
  std::string url;
  std::ifstream(agent.root() / "state" / "api") >> url;
  return url;
}

// agentctl as a remote client: the URL and the token file, nothing else of agentd's.
std::string remoteCtl(const Agent& agent, const std::string& tokenFile = "") {
  return AGENT_BIN_DIR "/agentctl --state-dir /nonexistent --api " + apiUrl(agent) + " --token-file " +
         (tokenFile.empty() ? (agent.root() / "state" / "token").string() : tokenFile);
}

std::string token(const Agent& agent) {
  std::string text;
  std::ifstream(agent.root() / "state" / "token") >> text;
  return text;
}

// Descriptors agentd holds on files under DATA_DIR/uploads (the spools: unnamed files).
size_t spoolsHeld(const Agent& agent) {
  size_t count = 0;
  std::string uploads = (agent.root() / "data" / "uploads").string() + "/";
  std::error_code ec;
  for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(agent.pid()) + "/fd", ec)) {
    std::error_code linkError;
    if (fs::read_symlink(fd.path(), linkError).string().rfind(uploads, 0) == 0) ++count;
  }
  return count;
}

bool waitUntil(const std::function<bool()>& done, std::chrono::milliseconds bound) {
  for (auto end = std::chrono::steady_clock::now() + bound; std::chrono::steady_clock::now() < end;) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

}  // namespace

TEST(ImageUploadE2E, ARemoteClientLoadsAFileAndStdinWithProgress) {
  Agent agent;
  std::string remote = remoteCtl(agent);
  // The archive where agentd cannot see it (a tmpfs in a mount namespace of agentctl's own),
  // as on another host; stdout alone: the names, as Docker prints them.
  fs::path elsewhere = agent.root() / "elsewhere";
  fs::create_directories(elsewhere);
  Ran names = shell("unshare -m --propagation private sh -c 'mount -t tmpfs elsewhere " + elsewhere.string() +
                    " && cp " + kImages + "/app.tar " + elsewhere.string() + "/ && " + remote + " image load -i " +
                    elsewhere.string() + "/app.tar 2>/dev/null'");
  ASSERT_EQ(names.exitCode, 0) << names.out << agent.log();
  EXPECT_EQ(names.out, "Loaded image: app:v1\n");
  // From a pipe (no length: chunked), with the progress on stderr.
  Ran piped = shell("cat " + kImages + "/tool.tar | " + remote + " image load");
  ASSERT_EQ(piped.exitCode, 0) << piped.out << agent.log();
  EXPECT_TRUE(has(piped.out, "received")) << piped.out;
  EXPECT_TRUE(has(piped.out, "already in the store")) << piped.out;  // the base app.tar brought
  EXPECT_TRUE(has(piped.out, "Loaded image: tool:v1\n")) << piped.out;
  EXPECT_EQ(shell(remote + " run --rm tool:v1 -- cat /tool.txt").out, "tool\n");
  // Closed once agentd is done with the exchange, a moment after the client saw its end.
  EXPECT_TRUE(waitUntil([&] { return spoolsHeld(agent) == 0; }, 2s)) << spoolsHeld(agent);
  // The token is checked before a byte of the body is taken.
  fs::path wrong = agent.root() / "wrong-token";
  std::ofstream(wrong) << "not-the-token\n";
  Ran refused = shell(remoteCtl(agent, wrong.string()) + " image load -i " + kImages + "/app.tar");
  EXPECT_EQ(refused.exitCode, 1) << refused.out;
  EXPECT_TRUE(has(refused.out, "refused the API token")) << refused.out;
}

TEST(ImageUploadE2E, AnUploadCutShortLeavesNoSpoolAndNoLayer) {
  Agent agent;
  // curl sends the archive slowly (about 20 s) and is killed after a second of it.
  std::string curl = "curl -s -o /dev/null --limit-rate 100k -H 'Authorization: Bearer " + token(agent) +
                     "' -H 'Content-Type: application/x-tar' --data-binary @" + kImages + "/app.tar " + apiUrl(agent) +
                     "/v1/images/load";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + curl).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // The spool exists while the body comes (an unnamed file agentd holds open)...
  bool spooling = waitUntil([&] { return spoolsHeld(agent) == 1; }, 5s);
  std::this_thread::sleep_for(500ms);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(spooling) << agent.log();
  // ...and is gone with the connection: nothing named, nothing held, nothing loaded.
  EXPECT_TRUE(waitUntil([&] { return spoolsHeld(agent) == 0; }, 8s)) << agent.log();
  EXPECT_EQ(entriesIn(agent.root() / "data" / "uploads"), 0u);
  EXPECT_EQ(entriesIn(agent.root() / "data" / "image-store" / "layers"), 0u);
  Ran listed = agent.ctl("image ls");
  EXPECT_EQ(listed.exitCode, 0) << listed.out;  // agentd stays up
  EXPECT_FALSE(has(listed.out, "app")) << listed.out;
  // The next upload works.
  EXPECT_EQ(shell("(" + remoteCtl(agent) + " image load -i " + kImages + "/app.tar 2>/dev/null)").out,
            "Loaded image: app:v1\n");
}

TEST(ImageUploadE2E, AnUploadOverTheLimitIsRefusedWith413) {
  Agent agent("max_image_upload: 1000000\n");
  std::string remote = remoteCtl(agent);
  // With its length: refused before the body is sent.
  Ran file = shell(remote + " image load -i " + kImages + "/app.tar");
  EXPECT_EQ(file.exitCode, 1) << file.out;
  EXPECT_TRUE(has(file.out, "max_image_upload")) << file.out;
  std::string code = shell("curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer " + token(agent) +
                           "' -H 'Content-Type: application/x-tar' --data-binary @" + kImages + "/app.tar " +
                           apiUrl(agent) + "/v1/images/load")
                         .out;
  EXPECT_EQ(code, "413");
  // From a pipe, without a length: refused once the limit is passed.
  Ran piped = shell("cat " + kImages + "/app.tar | " + remote + " image load");
  EXPECT_EQ(piped.exitCode, 1) << piped.out;
  EXPECT_TRUE(has(piped.out, "max_image_upload")) << piped.out;
  // Closed once agentd is done with the exchange, a moment after the client saw its end.
  EXPECT_TRUE(waitUntil([&] { return spoolsHeld(agent) == 0; }, 2s)) << spoolsHeld(agent);
  EXPECT_EQ(entriesIn(agent.root() / "data" / "image-store" / "layers"), 0u);
}

TEST(ImageUploadE2E, BadUploadsAreRefusedAndNothingStays) {
  Agent agent;
  std::string remote = remoteCtl(agent);
  // Not an archive.
  Ran text = shell("echo 'not a tar' | " + remote + " image load");
  EXPECT_EQ(text.exitCode, 1) << text.out;
  EXPECT_TRUE(has(text.out, "agentctl: ")) << text.out;
  EXPECT_FALSE(has(text.out, "/proc/self/fd")) << text.out;  // the upload, not agentd's spool
  // An archive cut in the middle, sent whole: the body is complete, the archive is not.
  fs::path half = agent.root() / "half.tar";
  shell("head -c 1100000 " + kImages + "/app.tar > " + half.string());
  Ran truncated = shell(remote + " image load -i " + half.string());
  EXPECT_EQ(truncated.exitCode, 1) << truncated.out;
  // A layer's byte changed: refused naming the layer.
  fs::path corrupt = agent.root() / "corrupt.tar";
  fs::copy_file(kImages + "/app.tar", corrupt);
  std::fstream bytes(corrupt, std::ios::in | std::ios::out | std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(bytes)), std::istreambuf_iterator<char>());
  size_t at = content.find("hello from a layer");
  ASSERT_NE(at, std::string::npos);
  bytes.seekp(static_cast<std::streamoff>(at));
  bytes.put('J');
  bytes.close();
  Ran corrupted = shell(remote + " image load -i " + corrupt.string());
  EXPECT_EQ(corrupted.exitCode, 1) << corrupted.out;
  EXPECT_TRUE(has(corrupted.out, "layer") && has(corrupted.out, "sha256")) << corrupted.out;
  // Nothing half-loaded, no spool held, agentd up.
  EXPECT_EQ(entriesIn(agent.root() / "data" / "image-store" / "layers"), 0u);
  // Closed once agentd is done with the exchange, a moment after the client saw its end.
  EXPECT_TRUE(waitUntil([&] { return spoolsHeld(agent) == 0; }, 2s)) << spoolsHeld(agent);
  Ran listed = shell(remote + " image ls");
  EXPECT_EQ(listed.exitCode, 0) << listed.out;
  EXPECT_FALSE(has(listed.out, "app")) << listed.out;
}

TEST(ImageUploadE2E, AnUploadOverTheFreeSpaceIsRefused) {
  Agent agent;
  // The spool's filesystem with 1 MiB: less than the archive's 2 MiB.
  fs::path uploads = agent.root() / "data" / "uploads";
  ASSERT_EQ(shell("mount -t tmpfs -o size=1m agent-test-uploads " + uploads.string()).exitCode, 0);
  std::string remote = remoteCtl(agent);
  // Its length is over the free space: 413 before the body.
  Ran file = shell(remote + " image load -i " + kImages + "/app.tar");
  EXPECT_EQ(file.exitCode, 1) << file.out;
  EXPECT_TRUE(has(file.out, "free")) << file.out;
  // From a pipe: the disk fills meanwhile, 507, and what was written goes.
  Ran piped = shell("cat " + kImages + "/app.tar | " + remote + " image load");
  EXPECT_EQ(piped.exitCode, 1) << piped.out;
  EXPECT_TRUE(has(piped.out, "filled up")) << piped.out;
  // Closed once agentd is done with the exchange, a moment after the client saw its end.
  EXPECT_TRUE(waitUntil([&] { return spoolsHeld(agent) == 0; }, 2s)) << spoolsHeld(agent);
  EXPECT_TRUE(has(shell("df -k " + uploads.string()).out, " 0% ")) << shell("df -k " + uploads.string()).out;
  shell("umount " + uploads.string());
  EXPECT_EQ(entriesIn(agent.root() / "data" / "image-store" / "layers"), 0u);
}
