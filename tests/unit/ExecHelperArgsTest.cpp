// The exec helper's command line (ExecHelperArgs.h): what agentd writes, the helper reads
// back exactly; anything else is refused rather than half-understood.
#include <gtest/gtest.h>

#include "ExecHelperArgs.h"

using namespace agent::container;

namespace {

std::vector<std::string_view> view(const std::vector<std::string>& args) {
  return {args.begin() + 1, args.end()};  // without argv[0], as main passes it
}

}  // namespace

TEST(ExecHelperArgs, WhatAgentdWritesIsReadBackExactly) {
  ExecHelperRequest request{{7, 12, 9},
                            5,
                            0xa80425fbull,
                            "/run/agent/containers/c1/seccomp.bpf",
                            {"A=1", "--ns=x", "EMPTY="},
                            {"sh", "-c", "echo -- --env"}};
  auto argv = execHelperArgs("/memfd", request);
  EXPECT_EQ(argv.front(), "/memfd");
  auto parsed = parseExecHelperArgs(view(argv));
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->namespaceFds, request.namespaceFds);
  EXPECT_EQ(parsed->rootFd, 5);
  EXPECT_EQ(parsed->capabilities, request.capabilities);
  EXPECT_EQ(parsed->seccompFilterPath, request.seccompFilterPath);
  EXPECT_EQ(parsed->env, request.env);
  EXPECT_EQ(parsed->args, request.args);
}

TEST(ExecHelperArgs, ACommandThatLooksLikeAnOptionStaysTheCommand) {
  auto parsed = parseExecHelperArgs(view(execHelperArgs("x", {{}, -1, 0, "", {}, {"--ns", "--env", "--"}})));
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->args, (std::vector<std::string>{"--ns", "--env", "--"}));
}

TEST(ExecHelperArgs, MalformedLinesAreRefused) {
  for (std::vector<std::string_view> bad : {std::vector<std::string_view>{"--exec"},
                                            {"--exec", "--"},
                                            {"--bundle", "x", "--", "true"},
                                            {"--exec", "--ns", "-1", "--", "true"},
                                            {"--exec", "--ns", "2", "--", "true"},
                                            {"--exec", "--ns", "x", "--", "true"},
                                            {"--exec", "--env"},
                                            {"--exec", "--root", "1", "--", "true"},
                                            {"--exec", "--caps", "all", "--", "true"},
                                            {"--exec", "--cwd", "tmp", "--", "true"},
                                            {"--exec", "--what", "x", "--", "true"}}) {
    auto parsed = parseExecHelperArgs(bad);
    ASSERT_FALSE(parsed) << "accepted " << bad.size() << " arguments";
    EXPECT_NE(parsed.error().message().find("exec helper"), std::string::npos) << parsed.error().message();
  }
}

TEST(ExecHelperArgs, ExecItsStdinAndTerminalAreReadBackExactly) {
  ExecHelperRequest request{{7}, 5, 1, "", {}, {"sh"}};
  request.keepStdin = true;
  request.terminalFd = 11;
  request.rows = 40;
  request.columns = 120;
  auto parsed = parseExecHelperArgs(view(execHelperArgs("x", request)));
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_TRUE(parsed->keepStdin);
  EXPECT_EQ(parsed->terminalFd, 11);
  EXPECT_EQ(parsed->rows, 40);
  EXPECT_EQ(parsed->columns, 120);
  EXPECT_EQ(parsed->args, request.args);
  // Without them: /dev/null and no terminal, as plain exec.
  auto plain = parseExecHelperArgs(view(execHelperArgs("x", {{7}, 5, 1, "", {}, {"sh"}})));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->keepStdin);
  EXPECT_EQ(plain->terminalFd, -1);
  for (std::string_view bad : {"11", "11,40", "2,40,120", "11,40,120,1", "11,70000,80", "x,40,120", "11,,80"}) {
    auto refused = parseExecHelperArgs({"--exec", "--tty", bad, "--", "sh"});
    EXPECT_FALSE(refused) << "accepted --tty " << bad;
  }
}

TEST(ExecHelperArgs, TheUserAndWorkingDirectoryAreReadBackExactly) {
  ExecHelperRequest request{{7}, 5, 1, "", {}, {"id"}};
  request.user = "nobody:users";
  request.cwd = "/srv/app dir";
  auto parsed = parseExecHelperArgs(view(execHelperArgs("x", request)));
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->user, "nobody:users");
  EXPECT_EQ(parsed->cwd, "/srv/app dir");
  // Without them: root, in "/".
  auto plain = parseExecHelperArgs(view(execHelperArgs("x", {{7}, 5, 1, "", {}, {"id"}})));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->user, "");
  EXPECT_EQ(plain->cwd, "/");
}
