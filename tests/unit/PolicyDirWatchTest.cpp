// A policy directory mounted from a Kubernetes ConfigMap: kubelet (its AtomicWriter) writes a
// new `..<timestamp>` directory, renames a `..data_tmp` symlink over `..data`, adjusts the
// keys' symlinks and deletes the old directory. The watch must wake for that swap, and the
// loader must read the keys through their symlinks and skip every `..` entry.
#include "PolicyDirWatch.h"

#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "PolicyLoader.h"

namespace agent {
namespace {

namespace fs = std::filesystem;

std::string policy(const std::string& name, int pids) {
  return "policies:\n  - name: " + name +
         "\n    match: {names: [\"web-*\"]}\n    limits: {pids: " + std::to_string(pids) + "}\n";
}

// One AtomicWriter update: `files` become the volume's whole content (pkg/volume/util/atomic_writer.go).
void kubeletWrite(const fs::path& dir, const std::string& timestamp, const std::map<std::string, std::string>& files) {
  fs::path fresh = dir / ("..2026_12_01_" + timestamp + ".123456789");
  fs::create_directory(fresh);
  for (const auto& [key, text] : files) std::ofstream(fresh / key) << text;
  std::error_code ec;
  fs::path old = fs::read_symlink(dir / "..data", ec);
  fs::create_directory_symlink(fresh.filename(), dir / "..data_tmp");
  fs::rename(dir / "..data_tmp", dir / "..data");
  for (const auto& [key, text] : files) {
    if (!fs::is_symlink(dir / key)) fs::create_symlink(fs::path("..data") / key, dir / key);
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename();
    if (!name.starts_with("..") && !files.count(name)) fs::remove(entry.path());
  }
  if (!ec) fs::remove_all(dir / old);
}

bool readableWithin(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1;
}

class PolicyDirWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("policy-watch-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(PolicyDirWatchTest, SeesAKubeletConfigMapUpdateAndReadsItsKeysOnly) {
  kubeletWrite(dir_, "16_00_00", {{"web.yaml", policy("web", 100)}});
  auto loaded = policies::loadPolicyDir(dir_, 2);
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front();
  ASSERT_EQ(loaded.set.policies.size(), 1u);
  EXPECT_EQ(loaded.set.policies[0].name, "web");

  auto watch = PolicyDirWatch::open(dir_);
  ASSERT_TRUE(watch) << watch.error().message();
  EXPECT_FALSE(readableWithin(watch->fd(), 50));
  kubeletWrite(dir_, "16_05_00", {{"web.yaml", policy("web-v2", 200)}, {"db.yaml", policy("db", 50)}});
  EXPECT_TRUE(readableWithin(watch->fd(), 1000));
  watch->drain();
  EXPECT_FALSE(readableWithin(watch->fd(), 0));
  loaded = policies::loadPolicyDir(dir_, 2);
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front();
  ASSERT_EQ(loaded.set.policies.size(), 2u);  // through web.yaml and db.yaml, not ..data/ twice
  EXPECT_EQ(loaded.set.policies[0].name, "db");
  EXPECT_EQ(loaded.set.policies[1].name, "web-v2");

  // A key removed: the swap alone (kubelet removes the key's symlink after it) wakes the watch.
  kubeletWrite(dir_, "16_10_00", {{"db.yaml", policy("db", 60)}});
  EXPECT_TRUE(readableWithin(watch->fd(), 1000));
  loaded = policies::loadPolicyDir(dir_, 2);
  ASSERT_EQ(loaded.set.policies.size(), 1u);
  EXPECT_EQ(loaded.set.policies[0].name, "db");
}

TEST_F(PolicyDirWatchTest, TheLoaderSkipsDotDotEntriesEvenWhenTheyLookLikePolicies) {
  std::ofstream(dir_ / "..data.yaml") << "not: [a policy";  // would be a parse error if read
  std::ofstream(dir_ / "web.yaml") << policy("web", 100);
  auto loaded = policies::loadPolicyDir(dir_, 2);
  EXPECT_TRUE(loaded.errors.empty()) << loaded.errors.front();
  EXPECT_EQ(loaded.set.policies.size(), 1u);
}

TEST_F(PolicyDirWatchTest, AMissingDirectoryIsAnErrorNamingIt) {
  auto watch = PolicyDirWatch::open((dir_ / "absent").string());
  ASSERT_FALSE(watch);
  EXPECT_NE(watch.error().message().find("absent"), std::string::npos);
}

}  // namespace
}  // namespace agent
