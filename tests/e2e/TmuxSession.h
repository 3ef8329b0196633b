#pragma once
// A real terminal for the terminal tests (TerminalE2E, ExecTerminalE2E): a private tmux server
// (`-L agent-test-<pid>-...`, killed at the end), one window whose pane runs sh. The test
// types with send-keys and reads the screen with capture-pane, waiting for text, never for a
// fixed time.
#include <chrono>
#include <random>
#include <string>
#include <thread>

#include "E2ESupport.h"

namespace e2e {

using namespace std::chrono_literals;

// One tmux server of the test's own, one window; the pane runs sh.
class Tmux {
 public:
  Tmux() {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(std::random_device()()));
    server_ = "agent-test-" + std::to_string(::getpid()) + "-" + suffix;
    Ran started = tmux("-f /dev/null new-session -d -s t -x 100 -y 30 sh");
    EXPECT_EQ(started.exitCode, 0) << started.out;
  }
  ~Tmux() { tmux("kill-server"); }
  Ran tmux(const std::string& args) const { return shell("tmux -L " + server_ + " " + args); }
  // Types `text` literally, then Enter.
  void type(const std::string& text) const {
    tmux("send-keys -t t -l " + quoted(text));
    tmux("send-keys -t t Enter");
  }
  void keys(const std::string& names) const { tmux("send-keys -t t " + names); }
  std::string screen() const { return tmux("capture-pane -p -J -S -300 -t t").out; }
  // Waits up to `limit` for `text` to be on the screen `times` times; the screen then.
  bool waitFor(const std::string& text, int times = 1, std::chrono::seconds limit = 20s) const {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      std::string now = screen();
      int found = 0;
      for (size_t at = now.find(text); at != std::string::npos; at = now.find(text, at + 1)) ++found;
      if (found >= times) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  static std::string quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }

 private:
  std::string server_;
};

}  // namespace e2e
