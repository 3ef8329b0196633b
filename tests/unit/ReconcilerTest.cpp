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
  // What the engines' directory says of a group (Reconciler::Options::engineHolds); a path
  // not here: nobody can tell.
  std::map<std::string, bool> engineHeld;

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
    options.engineHolds = [this](const std::string& path) -> std::optional<bool> {
      auto found = engineHeld.find(path);
      return found == engineHeld.end() ? std::nullopt : std::optional<bool>(found->second);
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

// A container a periodic pass sees for the first time (an engine's new container, started
// between passes) is enforced, not "put back": nothing drifted.
TEST(Reconciler, AContainerFirstSeenByAPeriodicPassIsEnforcedNotCountedAsDrift) {
  Reconciling r(kWeb);
  r.reconciler->reconcileAll(true);
  EXPECT_EQ(r.group("/docker/web").held.cpu->quotaUs, cgroup::Bound::of(50000));
  EXPECT_EQ(r.metrics.enforcements("web-tier", "cpu"), 1u);
  EXPECT_EQ(r.metrics.driftCorrections("cpu"), 0u);
}

// `agentctl limit` on a Docker container keeps an override by its cgroup path; once the group
// is gone for good (a full container id names it) the override goes too. A plain group's
// stays: it may come back.
namespace {

// `agentctl limit --pids 20` kept for `key` (a cgroup path).
void overridePids(Reconciling& r, const std::string& key) {
  policies::LimitSet pids;
  pids.pidsMax = cgroup::Bound::of(20);
  ASSERT_TRUE(r.overrides.merge(key, pids));
}

const std::string kEngineGroup = "/docker/" + std::string(64, 'e');

}  // namespace

TEST(Reconciler, AnOverrideOfAnEngineContainerThatIsGoneIsDropped) {
  Reconciling r(kWeb);
  std::string gone = kEngineGroup;
  overridePids(r, gone);
  overridePids(r, "/batch/jobs");
  r.reconciler->reconcileAll(true);
  EXPECT_FALSE(r.overrides.get(gone));
  EXPECT_TRUE(r.overrides.get("/batch/jobs"));
}

// A stopped Docker container has no cgroup but its engine still holds it: the override waits
// for `docker start`. Its group back before the snapshot lists it as Docker's is not written by
// path (that would pass Docker's API by: a fresh trial saw `docker inspect` disagree for good);
// the pass that lists it writes it. Once the engine no longer lists it (docker rm), it goes.
TEST(Reconciler, AnOverrideOfAStoppedEngineContainerWaitsForItsEngineToListIt) {
  Reconciling r(kWeb);
  std::string stopped = kEngineGroup;
  overridePids(r, stopped);
  r.engineHeld[stopped] = true;
  r.reconciler->reconcileAll(true);
  r.reconciler->reconcileAll(true);
  ASSERT_TRUE(r.overrides.get(stopped));

  r.groups[stopped] = std::make_shared<RecordingLimitFiles>();  // docker start, not yet listed
  r.reconciler->reconcileAll(true);
  EXPECT_TRUE(r.group(stopped).writes.empty());
  EXPECT_TRUE(r.overrides.get(stopped));

  r.groups.erase(stopped);  // docker rm
  r.engineHeld[stopped] = false;
  r.reconciler->reconcileAll(true);
  EXPECT_FALSE(r.overrides.get(stopped));
}

// A write that failed (Docker down, the kernel refusing) is tried again at the next pass, not at
// the next full check kVerifyEvery passes later.
TEST(Reconciler, AFailedWriteIsTriedAgainAtTheNextPass) {
  Reconciling r(kWeb);
  r.group("/docker/web").refuse[cgroup::Controller::Cpu] = EIO;
  r.reconciler->reconcileAll(false);
  EXPECT_NE(r.group("/docker/web").held.cpu->quotaUs, cgroup::Bound::of(50000));
  r.group("/docker/web").refuse.clear();  // it answers again
  r.reconciler->reconcileAll(true);
  EXPECT_EQ(r.group("/docker/web").held.cpu->quotaUs, cgroup::Bound::of(50000));
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

namespace {

// An engine that writes the group's files itself when asked, as dockerd does on an update.
struct RecordingEngine : engines::EngineLimitClient {
  std::shared_ptr<RecordingLimitFiles> files;
  std::vector<std::pair<std::string, policies::LimitSet>> updates;
  Result<void> update(const std::string& id, const policies::LimitSet& desired, uint64_t) override {
    updates.emplace_back(id, desired);
    files->held.cpu = desired.cpu ? desired.cpu : files->held.cpu;  // the engine's own write
    if (desired.memoryMax) files->held.memoryMax = desired.memoryMax;
    if (desired.pidsMax) files->held.pidsMax = desired.pidsMax;
    return {};
  }
};

}  // namespace

// An engine's container (target.engine set, a client for that engine given) is written
// through the engine, never its files; the files are still read to compare, so drift put
// back through the engine is counted as any other.
TEST(Reconciler, AnEngineContainerIsWrittenThroughTheEngineAndItsDriftCounted) {
  Reconciling r(kWeb);
  auto engine = std::make_shared<RecordingEngine>();
  engine->files = r.groups.at("/docker/web");
  Reconciler::Options options{true, std::chrono::milliseconds(5000), r.writes, {}};
  options.open = [&r](const std::string& path) -> Result<std::unique_ptr<policies::LimitFiles>> {
    auto files = std::make_unique<SharedFiles>();
    files->files = r.groups.at(path);
    return std::unique_ptr<policies::LimitFiles>(std::move(files));
  };
  options.engineLimits["docker"] = engine;
  LimitTarget web{"/docker/web", "web-1", "/docker/web", false, {}, true};
  web.engine = "docker";
  web.engineId = std::string(64, 'a');
  Reconciler reconciler(r.runtime, r.hierarchy, r.overrides, r.policies, r.metrics, options,
                        [web] { return std::vector<LimitTarget>{web}; });
  reconciler.reconcileAll(false);
  ASSERT_EQ(engine->updates.size(), 2u);  // cpu and pids, one resource per update
  EXPECT_EQ(engine->updates[0].first, web.engineId);
  EXPECT_EQ(engine->updates[0].second.cpu->quotaUs, cgroup::Bound::of(50000));
  EXPECT_EQ(engine->updates[1].second.pidsMax, cgroup::Bound::of(64));
  EXPECT_TRUE(r.group("/docker/web").writes.empty()) << "wrote the files of an engine's container";
  EXPECT_EQ(r.metrics.enforcements("web-tier", "cpu"), 1u);

  r.group("/docker/web").held.cpu->quotaUs = cgroup::Bound::of(100000);  // `docker update --cpus 1`
  r.writes->post({"/docker/web"}, false, true, 32);
  reconciler.reconcileAll(true);
  ASSERT_EQ(engine->updates.size(), 3u);
  EXPECT_EQ(r.group("/docker/web").held.cpu->quotaUs, cgroup::Bound::of(50000));
  EXPECT_EQ(r.metrics.driftCorrections("cpu"), 1u);

  // Through apply (`agentctl limit`) too.
  policies::LimitSet memory;
  memory.memoryMax = cgroup::Bound::of(128 << 20);
  auto applied = reconciler.apply(web, memory, policies::LimitSource{});
  ASSERT_TRUE(applied);
  ASSERT_EQ(engine->updates.size(), 4u);
  EXPECT_EQ(engine->updates[3].second.memoryMax, cgroup::Bound::of(128 << 20));
  EXPECT_TRUE(r.group("/docker/web").writes.empty());
}

// The engine's refusal, a sentence with the engine's message, is the reason given, not a
// kernel errno's meaning.
TEST(Reconciler, AnEnginesRefusalIsTheReasonGiven) {
  Reconciling r(kWeb);
  struct Refusing : engines::EngineLimitClient {
    Result<void> update(const std::string&, const policies::LimitSet&, uint64_t) override {
      return userError(
          "Docker refused the update of container aaaaaaaaaaaa (HTTP 400: Minimum memory limit allowed "
          "is 6MB): ask for 6Mi or more",
          EREMOTEIO);
    }
  };
  Reconciler::Options options{true, std::chrono::milliseconds(5000), r.writes, {}};
  options.open = [&r](const std::string& path) -> Result<std::unique_ptr<policies::LimitFiles>> {
    auto files = std::make_unique<SharedFiles>();
    files->files = r.groups.at(path);
    return std::unique_ptr<policies::LimitFiles>(std::move(files));
  };
  options.engineLimits["docker"] = std::make_shared<Refusing>();
  LimitTarget web{"/docker/web", "web-1", "/docker/web", false, {}, true};
  web.engine = "docker";
  web.engineId = std::string(64, 'a');
  Reconciler reconciler(r.runtime, r.hierarchy, r.overrides, r.policies, r.metrics, options, {});
  policies::LimitSet memory;
  memory.memoryMax = cgroup::Bound::of(1 << 20);
  auto applied = reconciler.apply(web, memory, policies::LimitSource{});
  ASSERT_TRUE(applied);
  ASSERT_EQ(applied->size(), 1u);
  EXPECT_NE(applied->front().error.find("Minimum memory limit allowed is 6MB"), std::string::npos)
      << applied->front().error;
  EXPECT_NE(applied->front().error.find("memory stays max"), std::string::npos) << applied->front().error;
  EXPECT_EQ(applied->front().error.find("kernel"), std::string::npos) << applied->front().error;
}

// agentd's first pass may come before the engine's client knows a container (a plain
// cgroup then): once it does, the group is opened again and written through the engine.
TEST(Reconciler, AContainerWhoseEngineBecomesKnownIsWrittenThroughItFromThenOn) {
  Reconciling r(kWeb);
  auto engine = std::make_shared<RecordingEngine>();
  engine->files = r.groups.at("/docker/web");
  Reconciler::Options options{true, std::chrono::milliseconds(5000), r.writes, {}};
  options.open = [&r](const std::string& path) -> Result<std::unique_ptr<policies::LimitFiles>> {
    auto files = std::make_unique<SharedFiles>();
    files->files = r.groups.at(path);
    return std::unique_ptr<policies::LimitFiles>(std::move(files));
  };
  options.engineLimits["docker"] = engine;
  auto known = std::make_shared<bool>(false);
  Reconciler reconciler(r.runtime, r.hierarchy, r.overrides, r.policies, r.metrics, options, [known] {
    LimitTarget web{"/docker/web", "web-1", "/docker/web", false, {}, true};
    if (*known) {
      web.engine = "docker";
      web.engineId = std::string(64, 'a');
    }
    return std::vector<LimitTarget>{web};
  });
  reconciler.reconcileAll(false);
  EXPECT_EQ(r.group("/docker/web").writes.size(), 2u);  // not known yet: the files
  EXPECT_TRUE(engine->updates.empty());
  *known = true;
  r.group("/docker/web").held.cpu->quotaUs = cgroup::Bound::of(100000);  // drift
  r.writes->post({"/docker/web"}, false, true, 32);
  reconciler.reconcileAll(true);
  EXPECT_EQ(r.group("/docker/web").writes.size(), 2u);
  ASSERT_EQ(engine->updates.size(), 1u);
  EXPECT_EQ(engine->updates[0].second.cpu->quotaUs, cgroup::Bound::of(50000));
  EXPECT_EQ(r.metrics.driftCorrections("cpu"), 1u);
}
