// Seccomp profiles in Docker's format: parsing (every refusal names its place), moby's
// include/exclude rules against a container's capabilities, arch and kernel, and the
// compiled program. The repo's default.json is the profile under test.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "CreateRequest.h"
#include "SeccompFilterCache.h"
#include "SeccompRules.h"

using namespace agent;
using namespace agent::seccomp;
using container::CapabilitySet;

namespace {

std::string defaultProfileText() {
  std::ifstream in(AGENT_SECCOMP_PROFILE);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

SeccompProfile defaultProfile() {
  auto profile = parseSeccompProfile(defaultProfileText());
  if (!profile) throw std::runtime_error(profile.error().message());
  return *profile;
}

SeccompTarget amd64(CapabilitySet caps, KernelVersion kernel = {6, 1}) {
  return {caps, "amd64", "SCMP_ARCH_X86_64", kernel};
}

CapabilitySet defaultsPlus(const std::vector<std::string>& add) {
  return *container::combineCapabilities(container::dockerDefaultCapabilities(), add, {});
}

std::vector<const ResolvedRule*> rulesFor(const ResolvedProfile& profile, const std::string& name) {
  std::vector<const ResolvedRule*> rules;
  for (const auto& rule : profile.rules)
    if (rule.name == name) rules.push_back(&rule);
  return rules;
}

bool allowedUnconditionally(const ResolvedProfile& profile, const std::string& name) {
  auto rules = rulesFor(profile, name);
  return std::any_of(rules.begin(), rules.end(),
                     [](const ResolvedRule* r) { return r->action == Action::Allow && r->args.empty(); });
}

std::string refusal(std::string_view text) {
  auto profile = parseSeccompProfile(text);
  return profile ? "" : profile.error().message();
}

}  // namespace

TEST(SeccompProfile, TheDefaultIsDockersForDockersCapabilities) {
  auto resolved = resolveProfile(defaultProfile(), amd64(container::dockerDefaultCapabilities()));
  EXPECT_EQ(resolved.defaultAction, Action::Errno);
  EXPECT_EQ(resolved.defaultErrnoRet, 1u);
  EXPECT_EQ(resolved.arches, (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  for (const char* name : {"read", "execve", "epoll_wait", "memfd_create", "chroot", "arch_prctl", "ptrace"})
    EXPECT_TRUE(allowedUnconditionally(resolved, name)) << name;
  for (const char* name : {"mount", "umount2", "unshare", "setns", "keyctl", "add_key", "reboot", "swapon", "bpf",
                           "perf_event_open", "open_by_handle_at", "set_tls", "io_uring_setup"})
    EXPECT_TRUE(rulesFor(resolved, name).empty()) << name;
  // clone: only without namespace flags; clone3: ENOSYS so that glibc falls back to clone.
  auto clone = rulesFor(resolved, "clone");
  ASSERT_EQ(clone.size(), 1u);
  ASSERT_EQ(clone[0]->args.size(), 1u);
  EXPECT_EQ(clone[0]->args[0].index, 0u);
  EXPECT_EQ(clone[0]->args[0].op, Compare::MaskedEqual);
  EXPECT_EQ(clone[0]->args[0].value, 0x7E020000u);
  EXPECT_EQ(clone[0]->args[0].valueTwo, 0u);
  auto clone3 = rulesFor(resolved, "clone3");
  ASSERT_EQ(clone3.size(), 1u);
  EXPECT_EQ(clone3[0]->action, Action::Errno);
  EXPECT_EQ(clone3[0]->errnoRet, 38u);
  // socket: all families but AF_ALG and AF_VSOCK; personality: five values.
  EXPECT_EQ(rulesFor(resolved, "socket").size(), 3u);
  EXPECT_EQ(rulesFor(resolved, "personality").size(), 5u);
}

TEST(SeccompProfile, CapabilitiesTurnTheirEntriesOnAndTheExcludedOff) {
  auto admin = resolveProfile(defaultProfile(), amd64(defaultsPlus({"SYS_ADMIN"})));
  for (const char* name : {"mount", "unshare", "setns", "clone", "clone3", "sethostname"})
    EXPECT_TRUE(allowedUnconditionally(admin, name)) << name;
  // Excluded by CAP_SYS_ADMIN: the masked clone and clone3's ENOSYS.
  for (const auto* rule : rulesFor(admin, "clone")) EXPECT_TRUE(rule->args.empty());
  for (const auto* rule : rulesFor(admin, "clone3")) EXPECT_EQ(rule->action, Action::Allow);

  auto boot = resolveProfile(defaultProfile(), amd64(defaultsPlus({"SYS_BOOT", "DAC_READ_SEARCH"})));
  EXPECT_TRUE(allowedUnconditionally(boot, "reboot"));
  EXPECT_TRUE(allowedUnconditionally(boot, "open_by_handle_at"));

  auto none = resolveProfile(defaultProfile(), amd64(CapabilitySet()));
  EXPECT_FALSE(allowedUnconditionally(none, "chroot"));
}

TEST(SeccompProfile, ArchesAndMinKernelDecideAsInMoby) {
  // ptrace is in an entry of its own from 4.8 on.
  auto old = resolveProfile(defaultProfile(), amd64(container::dockerDefaultCapabilities(), {4, 4}));
  EXPECT_FALSE(allowedUnconditionally(old, "ptrace"));
  SeccompTarget arm{container::dockerDefaultCapabilities(), "arm64", "SCMP_ARCH_AARCH64", {6, 1}};
  auto onArm = resolveProfile(defaultProfile(), arm);
  EXPECT_EQ(onArm.arches, (std::vector<std::string>{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}));
  EXPECT_TRUE(allowedUnconditionally(onArm, "set_tls"));
  EXPECT_FALSE(allowedUnconditionally(onArm, "arch_prctl"));
  // excludes.minKernel: skipped from that kernel on.
  auto profile = parseSeccompProfile(
      R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["kcmp"],"action":"SCMP_ACT_ALLOW",)"
      R"("excludes":{"minKernel":"5.10"}}]})");
  ASSERT_TRUE(profile) << profile.error().message();
  EXPECT_EQ(resolveProfile(*profile, amd64({}, {5, 4})).rules.size(), 1u);
  EXPECT_EQ(resolveProfile(*profile, amd64({}, {5, 10})).rules.size(), 0u);
}

TEST(SeccompProfile, TheOlderFormsAreAccepted) {
  auto profile =
      parseSeccompProfile(R"({"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],)"
                          R"("syscalls":[{"name":"getpid","action":"SCMP_ACT_ALLOW","args":null}],"archMap":null})");
  ASSERT_TRUE(profile) << profile.error().message();
  auto resolved = resolveProfile(*profile, amd64({}));
  EXPECT_EQ(resolved.arches, (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}));
  ASSERT_EQ(resolved.rules.size(), 1u);
  EXPECT_EQ(resolved.rules[0].name, "getpid");
}

TEST(SeccompProfile, RefusalsNameThePlaceAndWhatIsAccepted) {
  EXPECT_NE(refusal("{").find("not JSON"), std::string::npos);
  EXPECT_NE(refusal("[]").find("must be an object"), std::string::npos);
  EXPECT_NE(refusal("{}").find("needs a defaultAction"), std::string::npos);
  EXPECT_NE(refusal(R"({"defaultAction":"SCMP_ACT_ERRNO","colour":1})").find("unknown key \"colour\""),
            std::string::npos);
  std::string head = R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["x"],)";
  EXPECT_NE(
      refusal(head + R"("action":"SCMP_ACT_MAYBE"}]})").find("syscalls[0].action: unknown action \"SCMP_ACT_MAYBE\""),
      std::string::npos)
      << refusal(head + R"("action":"SCMP_ACT_MAYBE"}]})");
  EXPECT_NE(refusal(head + R"("action":"SCMP_ACT_NOTIFY"}]})").find("listener"), std::string::npos);
  EXPECT_NE(refusal(head + R"("action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]})")
                .find("syscalls[0].args[0].index: must be a whole number from 0 to 5"),
            std::string::npos);
  EXPECT_NE(refusal(head + R"("action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"EQ"}]}]})")
                .find("syscalls[0].args[0].op: unknown comparison \"EQ\""),
            std::string::npos);
  EXPECT_NE(refusal(head + R"("action":"SCMP_ACT_ALLOW","exclude":{}}]})").find("unknown key \"exclude\""),
            std::string::npos);
  EXPECT_NE(refusal(head + R"("action":"SCMP_ACT_ALLOW","includes":{"minKernel":"new"}}]})")
                .find("syscalls[0].includes.minKernel"),
            std::string::npos);
  EXPECT_NE(
      refusal(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ALLOW"}]})")
          .find("not both"),
      std::string::npos);
  EXPECT_NE(
      refusal(R"({"defaultAction":"SCMP_ACT_ERRNO","archMap":[],"architectures":["SCMP_ARCH_X86"]})").find("not both"),
      std::string::npos);
  EXPECT_NE(refusal(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"}]})")
                .find("syscalls[0]: names no syscall"),
            std::string::npos);
}

TEST(SeccompProfile, TheDefaultCompilesToOneProgramPerCapabilitySet) {
  SeccompFilterCache cache(defaultProfile());
  auto first = cache.filterFor(container::dockerDefaultCapabilities());
  ASSERT_TRUE(first) << first.error().message();
  const std::string& program = (*first)->program;
  EXPECT_EQ(program.size() % 8, 0u);
  EXPECT_GT(program.size() / 8, 100u);
  EXPECT_LE(program.size() / 8, 4096u);
  for (const char* name : {"read", "clone", "socket", "personality"}) {
    EXPECT_EQ(std::count((*first)->unknownNames.begin(), (*first)->unknownNames.end(), name), 0) << name;
  }
  auto again = cache.filterFor(container::dockerDefaultCapabilities());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get(), first->get()) << "compiled twice";
  auto admin = cache.filterFor(defaultsPlus({"SYS_ADMIN"}));
  ASSERT_TRUE(admin);
  EXPECT_NE((*admin)->program, program);
  EXPECT_EQ(cache.compiledCount(), 2u);
}

TEST(SeccompProfile, TwoConditionsOnOneArgumentCompileAsAlternatives) {
  auto profile = parseSeccompProfile(
      R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["personality"],"action":"SCMP_ACT_ALLOW",)"
      R"("args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"},{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]},)"
      R"({"names":["no_such_syscall_here"],"action":"SCMP_ACT_ALLOW"},)"
      R"({"names":["getpid"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]})");
  ASSERT_TRUE(profile) << profile.error().message();
  auto compiled = compileFor(*profile, {});
  ASSERT_TRUE(compiled) << compiled.error().message();
  EXPECT_EQ(compiled->unknownNames, std::vector<std::string>{"no_such_syscall_here"});
}

TEST(SeccompProfile, TheCreateRequestTakesDefaultUnconfinedOrAProfile) {
  auto unconfined = parseCreateRequest(R"({"image":"busybox","command":["true"],"seccomp":"unconfined"})", 4);
  ASSERT_TRUE(unconfined);
  EXPECT_EQ(unconfined->run.seccomp, container::SeccompMode::Unconfined);
  auto custom = parseCreateRequest(
      R"({"image":"busybox","command":["true"],"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"},"cap_add":["NET_ADMIN"]})",
      4);
  ASSERT_TRUE(custom);
  EXPECT_EQ(custom->run.seccomp, container::SeccompMode::Custom);
  EXPECT_EQ(custom->run.seccompProfile, R"({"defaultAction":"SCMP_ACT_ALLOW"})");
  EXPECT_EQ(custom->run.capAdd, std::vector<std::string>{"NET_ADMIN"});
  auto plain = parseCreateRequest(R"({"image":"busybox","command":["true"]})", 4);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->run.seccomp, container::SeccompMode::Default);
  for (const char* body : {R"({"image":"busybox","command":["true"],"seccomp":42})",
                           R"({"image":"busybox","command":["true"],"seccomp":"strict"})",
                           R"({"image":"busybox","command":["true"],"cap_add":"NET_ADMIN"})"}) {
    auto refused = parseCreateRequest(body, 4);
    EXPECT_FALSE(refused) << body;
  }
}
