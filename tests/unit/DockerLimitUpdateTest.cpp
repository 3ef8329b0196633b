// The body of Docker's POST /containers/{id}/update built as `docker update` would, one test
// per rule Docker enforces (moby: Container.UpdateContainer, verifyPlatformContainerResources;
// docs/engines.md), and the parser of the HostConfig the rules are checked against.
#include <gtest/gtest.h>
#include <unistd.h>

#include "DockerLimitClient.h"
#include "DockerLimitUpdate.h"
#include "DockerResources.h"
#include "KernelLimits.h"
#include "UnixSocketHttp.h"

using namespace agent;
using agent::collectors::engines::DockerResources;
using agent::collectors::engines::parseDockerResources;
using agent::engines::dockerUpdateBody;

namespace {

constexpr uint64_t kPage = 4096;

policies::LimitSet cpu(uint64_t quotaUs, uint64_t periodUs = 100000) {
  policies::LimitSet set;
  set.cpu = cgroup::CpuQuota{cgroup::Bound::of(quotaUs), periodUs};
  return set;
}
policies::LimitSet cpuMax() {
  policies::LimitSet set;
  set.cpu = cgroup::CpuQuota{cgroup::Bound::unlimited(), 100000};
  return set;
}
policies::LimitSet memory(std::optional<uint64_t> bytes) {
  policies::LimitSet set;
  set.memoryMax = bytes ? cgroup::Bound::of(*bytes) : cgroup::Bound::unlimited();
  return set;
}
policies::LimitSet pids(std::optional<uint64_t> n) {
  policies::LimitSet set;
  set.pidsMax = n ? cgroup::Bound::of(*n) : cgroup::Bound::unlimited();
  return set;
}
nlohmann::json body(const policies::LimitSet& set, const DockerResources& current) {
  auto built = dockerUpdateBody(set, current, kPage);
  EXPECT_TRUE(built) << (built ? "" : built.error().message());
  return built ? *built : nlohmann::json();
}

}  // namespace

// `docker update --cpus 0.5` on a container run without a CPU limit, or with --cpus.
TEST(DockerLimitUpdate, CpuGoesAsNanoCpusLikeDockerUpdateCpus) {
  EXPECT_EQ(body(cpu(50000), {}), (nlohmann::json{{"NanoCpus", 500000000}}));
  DockerResources runWithCpus;
  runWithCpus.nanoCpus = 2000000000;
  EXPECT_EQ(body(cpu(50000), runWithCpus), (nlohmann::json{{"NanoCpus", 500000000}}));
}

// "Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set".
TEST(DockerLimitUpdate, AContainerRunWithCpuQuotaGetsItsQuotaChanged) {
  DockerResources runWithQuota;
  runWithQuota.cpuQuota = 20000;
  EXPECT_EQ(body(cpu(50000), runWithQuota), (nlohmann::json{{"CpuQuota", 50000}, {"CpuPeriod", 100000}}));
  DockerResources runWithPeriod;
  runWithPeriod.cpuPeriod = 50000;
  EXPECT_EQ(body(cpu(25000, 50000), runWithPeriod), (nlohmann::json{{"CpuQuota", 25000}, {"CpuPeriod", 50000}}));
  // A CpuQuota of -1 stays in HostConfig and wins over NanoCpus at the next start: quota it is.
  DockerResources liftedByQuota;
  liftedByQuota.cpuQuota = -1;
  EXPECT_EQ(body(cpu(50000), liftedByQuota), (nlohmann::json{{"CpuQuota", 50000}, {"CpuPeriod", 100000}}));
}

// NanoCpus fixes the period at 100ms: another period goes as CpuQuota+CpuPeriod when
// nothing is set, and is refused with what to ask for when --cpus is.
TEST(DockerLimitUpdate, APeriodOtherThanDockersGoesAsQuotaOrIsRefusedUnderCpus) {
  EXPECT_EQ(body(cpu(100000, 200000), {}), (nlohmann::json{{"CpuQuota", 100000}, {"CpuPeriod", 200000}}));
  DockerResources runWithCpus;
  runWithCpus.nanoCpus = 1000000000;
  auto refused = dockerUpdateBody(cpu(100000, 200000), runWithCpus, kPage);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("--cpus"), std::string::npos) << refused.error().message();
  EXPECT_NE(refused.error().message().find("percent"), std::string::npos);
}

// No CPU limit: CpuQuota -1 (NanoCpus 0 means "unchanged"), which conflicts with nothing;
// under --cpus it cannot last (lost at a restart), so it is refused with what to do.
TEST(DockerLimitUpdate, NoCpuLimitIsCpuQuotaMinusOneExceptUnderCpus) {
  EXPECT_EQ(body(cpuMax(), {}), (nlohmann::json{{"CpuQuota", -1}}));
  DockerResources runWithQuota;
  runWithQuota.cpuQuota = 20000;
  EXPECT_EQ(body(cpuMax(), runWithQuota), (nlohmann::json{{"CpuQuota", -1}}));
  DockerResources runWithCpus;
  runWithCpus.nanoCpus = 1000000000;
  auto refused = dockerUpdateBody(cpuMax(), runWithCpus, kPage);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("recreate"), std::string::npos) << refused.error().message();
}

// "Memory limit should be smaller than already set memoryswap limit, update the memoryswap
// at the same time": MemorySwap goes with every Memory, keeping the swap allowed beside it.
TEST(DockerLimitUpdate, MemoryCarriesMemorySwapKeepingTheSwapAllowance) {
  DockerResources run64m;  // docker run --memory 64m: MemorySwap twice that
  run64m.memory = 64 << 20;
  run64m.memorySwap = 128 << 20;
  EXPECT_EQ(body(memory(256 << 20), run64m), (nlohmann::json{{"Memory", 256 << 20}, {"MemorySwap", 320 << 20}}));
  DockerResources noSwap;  // --memory-swap equal to --memory: no swap, kept so
  noSwap.memory = noSwap.memorySwap = 64 << 20;
  EXPECT_EQ(body(memory(32 << 20), noSwap), (nlohmann::json{{"Memory", 32 << 20}, {"MemorySwap", 32 << 20}}));
  // No memory+swap limit before (none at all, or -1): none after.
  EXPECT_EQ(body(memory(128 << 20), {}), (nlohmann::json{{"Memory", 128 << 20}, {"MemorySwap", -1}}));
  DockerResources unlimitedSwap;
  unlimitedSwap.memory = 64 << 20;
  unlimitedSwap.memorySwap = -1;
  EXPECT_EQ(body(memory(128 << 20), unlimitedSwap), (nlohmann::json{{"Memory", 128 << 20}, {"MemorySwap", -1}}));
}

// Memory -1 is refused ("Minimum memory limit allowed is 6MB") and 0 is "unchanged": no
// limit is the kernel's cap, with a memory+swap limit that fits above it.
TEST(DockerLimitUpdate, NoMemoryLimitIsTheKernelsCap) {
  int64_t cap = int64_t(cgroup::memoryUnlimitedBytes(kPage));
  EXPECT_EQ(body(memory(std::nullopt), {}), (nlohmann::json{{"Memory", cap}, {"MemorySwap", -1}}));
  DockerResources run64m;
  run64m.memory = 64 << 20;
  run64m.memorySwap = 128 << 20;
  auto lifted = body(memory(std::nullopt), run64m);
  EXPECT_EQ(lifted["Memory"], cap);
  EXPECT_GE(lifted["MemorySwap"].get<int64_t>(), cap);
}

// PidsLimit: 0 and -1 both mean no limit in Docker's API, so pids 0 cannot go through it.
TEST(DockerLimitUpdate, PidsGoAsPidsLimitAndZeroIsRefused) {
  EXPECT_EQ(body(pids(100), {}), (nlohmann::json{{"PidsLimit", 100}}));
  EXPECT_EQ(body(pids(std::nullopt), {}), (nlohmann::json{{"PidsLimit", -1}}));
  auto zero = dockerUpdateBody(pids(0), {}, kPage);
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().message().find("1 or more"), std::string::npos);
}

TEST(DockerLimitUpdate, AllThreeInOneBody) {
  auto set = cpu(50000);
  set.merge(memory(128 << 20));
  set.merge(pids(100));
  DockerResources run;
  run.nanoCpus = 2000000000;
  run.memory = 64 << 20;
  run.memorySwap = 128 << 20;
  EXPECT_EQ(
      body(set, run),
      (nlohmann::json{{"NanoCpus", 500000000}, {"Memory", 128 << 20}, {"MemorySwap", 192 << 20}, {"PidsLimit", 100}}));
}

TEST(DockerResources, ReadsHostConfigsLimits) {
  auto r = parseDockerResources(R"({"Id":"abc","HostConfig":{"NanoCpus":2000000000,"CpuQuota":0,"CpuPeriod":0,
    "Memory":67108864,"MemorySwap":134217728,"PidsLimit":null,"CpuShares":0}})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->nanoCpus, 2000000000);
  EXPECT_EQ(r->memory, 67108864);
  EXPECT_EQ(r->memorySwap, 134217728);
  EXPECT_FALSE(r->pidsLimit);
  auto pidsSet = parseDockerResources(R"({"HostConfig":{"PidsLimit":100,"CpuQuota":-1}})");
  ASSERT_TRUE(pidsSet);
  EXPECT_EQ(pidsSet->pidsLimit, 100);
  EXPECT_EQ(pidsSet->cpuQuota, -1);
  EXPECT_EQ(pidsSet->nanoCpus, 0);  // absent: Docker's zero
}

TEST(DockerResources, RefusesWhatIsNotAnInspectAnswerAndNamesTheField) {
  EXPECT_FALSE(parseDockerResources(""));
  EXPECT_FALSE(parseDockerResources("[]"));
  EXPECT_FALSE(parseDockerResources(R"({"HostConfig":null})"));
  auto wrongType = parseDockerResources(R"({"HostConfig":{"Memory":"64m"}})");
  ASSERT_FALSE(wrongType);
  EXPECT_NE(wrongType.error().message().find("HostConfig.Memory"), std::string::npos);
  EXPECT_FALSE(parseDockerResources(R"({"HostConfig":{"Memory":18446744073709551615}})"));
  EXPECT_FALSE(parseDockerResources(R"({"HostConfig":{"CpuQuota":1.5}})"));
}

// No dockerd behind the socket: the refusal says Docker is not running, where, and that the
// limit comes once it answers; not curl's words ("localhost port 80").
TEST(DockerLimitClient, NoDockerIsSaidAsThatNotAsCurlsError) {
  auto dir = std::string(::testing::TempDir()) + "/no-docker-" + std::to_string(::getpid());
  engines::DockerLimitClient client(std::make_shared<engines::UnixSocketHttp>(dir + "/docker.sock"));
  auto refused = client.update(std::string(64, 'a'), cpu(50000), kPage);
  ASSERT_FALSE(refused);
  std::string message = refused.error().message();
  EXPECT_EQ(message, "Docker is not running: " + dir +
                         "/docker.sock does not exist; start it and ask again (a policy's limit is put in force at "
                         "the first pass after it answers)");
  EXPECT_TRUE(refused.error().sentence);
}
