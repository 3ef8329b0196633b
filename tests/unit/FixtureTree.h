#pragma once
// A directory tree made inside one test and removed when the test ends, so each test shows
// the whole tree it needs in a few lines (after oomd's F::materialize).
#include <string>
#include <string_view>

namespace agent::fixture {

class FixtureTree {
 public:
  FixtureTree();
  ~FixtureTree();
  FixtureTree(const FixtureTree&) = delete;
  FixtureTree& operator=(const FixtureTree&) = delete;

  const std::string& root() const { return root_; }
  std::string path(std::string_view relative) const { return root_ + "/" + std::string(relative); }
  // Writes a file, making its parent directories.
  FixtureTree& file(std::string_view relative, std::string_view content);
  FixtureTree& dir(std::string_view relative);
  FixtureTree& symlink(std::string_view target, std::string_view relative);
  std::string read(std::string_view relative) const;

 private:
  std::string root_;
};

// Text captured from a real kernel, kept under tests/unit/fixtures.
std::string capturedText(std::string_view relative);

}  // namespace agent::fixture
