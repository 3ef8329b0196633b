// docs/policies.md, run as a user would: its policy examples go into a real agentd's policy
// directory, `agentctl policy validate` takes each, and the page's console session (run,
// limit, policy explain, a refused limit) prints what the page shows. A doc example that
// goes stale fails here.
#include <gtest/gtest.h>

#include <fnmatch.h>

#include <fstream>
#include <sstream>

#include "DocExamples.h"
#include "E2ESupport.h"

using namespace e2e;

namespace {

std::string squeezed(const std::string& line) {
  std::string out;
  for (char c : line) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// A line the page shows against one printed: spaces squeezed (column widths are not the
// point), "/agent/" is the test agent's cgroup parent, and "..." stands for any text.
bool sameLine(std::string shown, const std::string& printed, const std::string& cgroupParent) {
  for (size_t at = shown.find("/agent/"); at != std::string::npos; at = shown.find("/agent/", at + 1)) {
    shown.replace(at, 7, cgroupParent + "/");
    at += cgroupParent.size();
  }
  std::string pattern = squeezed(shown), glob;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.compare(i, 3, "...") == 0) {
      glob += '*';
      i += 2;
    } else if (pattern[i] == '*' || pattern[i] == '?' || pattern[i] == '[' || pattern[i] == '\\') {
      glob += '\\';
      glob += pattern[i];
    } else {
      glob += pattern[i];
    }
  }
  return ::fnmatch(glob.c_str(), squeezed(printed).c_str(), 0) == 0;
}

}  // namespace

TEST(PoliciesDoc, EveryYamlExampleValidatesAndTheConsoleSessionPrintsWhatThePageShows) {
  std::string page = agent::docs::readDoc(AGENT_DOCS_DIR "/policies.md");
  auto examples = agent::docs::fencedBlocks(page, "yaml");
  ASSERT_FALSE(examples.empty());
  Agent agent;
  for (const auto& example : examples) {
    fs::path file = agent.root() / ("example-" + std::to_string(example.line) + ".yaml");
    std::ofstream(file) << example.text;
    auto validated = agent.ctl("policy validate " + file.string());
    EXPECT_EQ(validated.exitCode, 0) << "policies.md:" << example.line << ":\n" << validated.out;
  }
  // The main example in force. Its `cgroups:` globs are moved under the test agent's
  // cgroup parent: the test writes to no group it did not make (the host's docker's).
  std::string main = examples.front().text;
  for (size_t at = main.find("[\"/"); at != std::string::npos; at = main.find("[\"/", at + 1))
    main.insert(at + 2, agent.cgroupParent());
  std::ofstream(agent.root() / "policies" / "example.yaml") << main;
  auto reloaded = agent.ctl("policy reload");
  ASSERT_EQ(reloaded.exitCode, 0) << reloaded.out;

  auto sessions = agent::docs::fencedBlocks(page, "console");
  ASSERT_EQ(sessions.size(), 1u) << "policies.md has one console session";
  size_t checked = 0;
  for (const auto& step : agent::docs::consoleSteps(sessions.front().text)) {
    ASSERT_EQ(step.command.rfind("agentctl ", 0), 0u) << step.command;
    auto ran = agent.ctl(step.command.substr(9));
    if (step.output.empty()) {
      EXPECT_EQ(ran.exitCode, 0) << step.command << "\n" << ran.out;
      continue;
    }
    auto printed = linesOf(ran.out);
    ASSERT_EQ(printed.size(), step.output.size()) << "$ " << step.command << "\nthe page shows:\n"
                                                  <<
        [&] {
          std::string s;
          for (const auto& l : step.output) s += l + "\n";
          return s;
        }() << "agentctl printed:\n" << ran.out;
    for (size_t i = 0; i < printed.size(); ++i) {
      EXPECT_TRUE(sameLine(step.output[i], printed[i], agent.cgroupParent()))
          << "$ " << step.command << "\nthe page shows: " << step.output[i] << "\nagentctl printed: " << printed[i];
      ++checked;
    }
  }
  EXPECT_GE(checked, 7u) << "the explain table was not compared";
}
