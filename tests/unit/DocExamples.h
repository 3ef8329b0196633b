#pragma once
// The examples of a page of docs/, as the tests that keep them true read them: fenced
// blocks by language, and `console` blocks split into commands and the output shown.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace agent::docs {

struct FencedBlock {
  std::string language;  // after the opening ```: yaml, console, ...
  std::string text;
  int line = 0;  // of the opening fence, 1-based: for messages
};

inline std::string readDoc(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::vector<FencedBlock> fencedBlocks(const std::string& markdown, const std::string& language) {
  std::vector<FencedBlock> blocks;
  std::istringstream in(markdown);
  std::string line;
  int number = 0;
  FencedBlock* open = nullptr;
  std::vector<FencedBlock> all;
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("```", 0) == 0) {
      if (open) {
        open = nullptr;
      } else {
        all.push_back({line.substr(3), "", number});
        open = &all.back();
      }
      continue;
    }
    if (open) open->text += line + "\n";
  }
  for (auto& b : all)
    if (b.language == language) blocks.push_back(std::move(b));
  return blocks;
}

// One `$ command` of a console block and the lines shown after it (none: not shown).
struct ConsoleStep {
  std::string command;  // without the "$ "
  std::vector<std::string> output;
};

inline std::vector<ConsoleStep> consoleSteps(const std::string& block) {
  std::vector<ConsoleStep> steps;
  std::istringstream in(block);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("$ ", 0) == 0)
      steps.push_back({line.substr(2), {}});
    else if (!steps.empty())
      steps.back().output.push_back(line);
  }
  return steps;
}

}  // namespace agent::docs
