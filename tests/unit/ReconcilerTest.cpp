// The reconciler's logic through recording groups (policies::LimitFiles fakes): a pass
// writes what differs once and nothing the next time, credits each write to the typed
// source (the policy's name, or `override`), puts back drift that the host's cgroup watch
// reports and counts it once, lowers a group above a ceiling nothing else sets, and writes
// nothing under `enforce: false`. Real cgroups: the host tier (LimitTest, KernelLimitTest).
#include <gtest/gtest.h>

#include "CgroupWriteFeed.h"
#include "ContainerRuntime.h"
#include "CpuOnlyHierarchy.h"
#include "FixtureTree.h"
#include "Reconciler.h"
#include "RecordingLimitFiles.h"

using namespace agent;
using agent::policies::testing::RecordingLimitFiles;

namespace {

// A RecordingLimitFiles the reconciler opens, kept by the test to look at.
struct SharedFiles : policies::LimitFiles {
  std::shared_ptr<RecordingLimitFiles> files;
  Result<cgroup::Limits> readLimits() const override {
    ++reads;
    return files->readLimits();
  }
  Result<void> applyLimits(const cgroup::Limits& l) const override { return files->applyLimits(l); }
  std::optional<std::string> whyNoLimit(cgroup::Controller c) const override { return files->whyNoLimit(c); }
  uint64_t pageSize() const override { return files->pageSize(); }
  bool readStats(cgroup::Stats& s) const override { return files->readStats(s); }
  cgroup::CgroupVersion versionOf(cgroup::Controller c) const override { return files->versionOf(c); }
  std::optional<cgroup::CpuQuotaConflict> cpuQuotaConflict(const cgroup::CpuQuota& q) const override {
    return files->cpuQuotaConflict(q);
  }
  std::optional<cgroup::CpuQuotaConflict> cappingAncestor(const cgroup::CpuQuota& q) const override {
    return files->cappingAncestor(q);
  }
  static inline int reads = 0;
};

struct Reconciling {
  fixture::FixtureTree tree;
  cgroup::Hierarchy hierarchy = fixture::cpuOnlyHierarchy(tree);
  container::ContainerRuntime runtime{{tree.path("state"), tree.path("data"), "", "/agent", 1 << 20, {}}, hierarchy};
  policies::OverrideStore overrides = *policies::OverrideStore::open(tree.root());
  PolicyStore policies{tree.path("policies"), 4};
  EnforcementMetrics metrics;
  std::map<std::string, std::shared_ptr<RecordingLimitFiles>> groups;  // by cgroup path
  std::shared_ptr<cgroup::CgroupWriteFeed> writes = std::make_shared<cgroup::CgroupWriteFeed>();
  std::optional<Reconciler> reconciler;

  explicit Reconciling(const std::string& yaml, bool enforce = true) {
    tree.file("policies/p.yaml", yaml);
    EXPECT_TRUE(policies.reload());
    for (const char* path : {"/docker/web", "/docker/db"}) groups[path] = std::make_shared<RecordingLimitFiles>();
    Reconciler::Options options{enforce, std::chrono::milliseconds(5000), writes, {}};
    options.open = [this](const std::string& path) -> Result<std::unique_ptr<policies::LimitFiles>> {
      auto found = groups.find(path);
      if (found == groups.end()) return userError("no such group", ENOENT);
      auto files = std::make_unique<SharedFiles>();
      files->files = found->second;
      return std::unique_ptr<policies::LimitFiles>(std::move(files));
    };
    reconciler.emplace(runtime, hierarchy, overrides, policies, metrics, options, [] {
      return std::vector<LimitTarget>{{"/docker/web", "web-1", "/docker/web", false, {}, true},
                                      {"/docker/db", "db-1", "/docker/db", false, {}, true}};
    });
    writes->post({}, true, true, 32);  // the inventory's first walk
  }
  RecordingLimitFiles& group(const std::string& path) { return *groups.at(path); }
};

const char* kWeb = R"(policies:
  - name: web-tier
    match: {names: ["web-*"]}
    limits: {cpu: 50%, pids: 64}
  - name: cap
    match: {names: ["*"]}
    max: {pids: 100}
)";

}  // namespace

TEST(Reconciler, APassWritesWhatDiffersOnceAndCreditsThePolicy) {
  Reconciling r(kWeb);
  r.group("/docker/db").held.pidsMax = cgroup::Bound::of(50);  // under the cap: left alone
  r.reconciler->reconcileAll(false);
  EXPECT_EQ(r.group("/docker/web").writes.size(), 2u);
  EXPECT_EQ(r.group("/docker/web").held.cpu->quotaUs, cgroup::Bound::of(50000));
  EXPECT_EQ(r.group("/docker/web").held.pidsMax, cgroup::Bound::of(64));
  EXPECT_TRUE(r.group("/docker/db").writes.empty());
  EXPECT_EQ(r.metrics.enforcements("web-tier", "cpu"), 1u);
  EXPECT_EQ(r.metrics.enforcements("web-tier", "pids"), 1u);
  // Idempotent: the next passes write nothing.
  r.reconciler->reconcileAll(false);
  r.reconciler->reconcileAll(true);
  EXPECT_EQ(r.group("/docker/web").writes.size(), 2u);
  EXPECT_EQ(r.metrics.driftCorrections("cpu"), 0u);
}

// A ceiling with nothing setting the resource only lowers what is above it, and the write
// is credited to the policy whose max it is.
TEST(Reconciler, ACeilingAloneLowersAGroupAboveIt) {
  Reconciling r(kWeb);
  r.group("/docker/db").held.pidsMax = cgroup::Bound::of(500);
  r.reconciler->reconcileAll(false);
  EXPECT_EQ(r.group("/docker/db").held.pidsMax, cgroup::Bound::of(100));
  EXPECT_EQ(r.metrics.enforcements("cap", "pids"), 1u);
}

// Drift the watch reports is put back by the periodic pass and counted once; a group no
// write touched is not even read (until the full check every 12 passes).
TEST(Reconciler, DriftTheWatchReportsIsPutBackAndCountedOnce) {
  Reconciling r(kWeb);
  r.reconciler->reconcileAll(false);
  r.writes->post({}, false, true, 32);
  int before = SharedFiles::reads;
  r.reconciler->reconcileAll(true);
  EXPECT_EQ(SharedFiles::reads, before) << "read a group no write touched";

  r.group("/docker/web").held.cpu->quotaUs = cgroup::Bound::of(90000);  // behind its back
  r.writes->post({"/docker/web"}, false, true, 32);
  r.reconciler->reconcileAll(true);
  EXPECT_EQ(r.group("/docker/web").held.cpu->quotaUs, cgroup::Bound::of(50000));
  EXPECT_EQ(r.metrics.driftCorrections("cpu"), 1u);
  r.writes->post({"/docker/web"}, false, true, 32);  // its own write, seen by the watch
  r.reconciler->reconcileAll(true);
  EXPECT_EQ(r.metrics.driftCorrections("cpu"), 1u);
}

TEST(Reconciler, EnforceFalseWritesNothing) {
  Reconciling r(kWeb, false);
  r.group("/docker/db").held.pidsMax = cgroup::Bound::of(500);
  r.reconciler->reconcileAll(false);
  r.reconciler->reconcileAll(true);
  EXPECT_TRUE(r.group("/docker/web").writes.empty());
  EXPECT_TRUE(r.group("/docker/db").writes.empty());
  EXPECT_EQ(r.metrics.enforcements("web-tier", "cpu"), 0u);
}

// An override beats the policy and its writes are credited to `override`.
TEST(Reconciler, AnOverrideBeatsThePolicyAndIsCreditedToOverride) {
  Reconciling r(kWeb);
  ASSERT_TRUE(r.overrides.merge("/docker/web", *policies::limitSetFromJson({{"cpu", "25%"}}, 4)));
  r.reconciler->reconcileAll(false);
  EXPECT_EQ(r.group("/docker/web").held.cpu->quotaUs, cgroup::Bound::of(25000));
  EXPECT_EQ(r.metrics.enforcements("override", "cpu"), 1u);
  EXPECT_EQ(r.metrics.enforcements("web-tier", "pids"), 1u);
}
