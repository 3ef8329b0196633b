#include "FixtureTree.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace agent::fixture {

FixtureTree::FixtureTree() {
  std::string templ = (fs::temp_directory_path() / "agent-fixture-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = templ;
}

FixtureTree::~FixtureTree() {
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

FixtureTree& FixtureTree::file(std::string_view relative, std::string_view content) {
  fs::path p = path(relative);
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  return *this;
}

FixtureTree& FixtureTree::dir(std::string_view relative) {
  fs::create_directories(path(relative));
  return *this;
}

FixtureTree& FixtureTree::symlink(std::string_view target, std::string_view relative) {
  fs::create_symlink(std::string(target), path(relative));
  return *this;
}

std::string FixtureTree::read(std::string_view relative) const {
  std::ifstream in(path(relative), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string capturedText(std::string_view relative) {
  std::ifstream in(std::string(AGENT_FIXTURE_DIR) + "/" + std::string(relative), std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + std::string(relative));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace agent::fixture
