#pragma once
// Docker's detach keys, Ctrl-P Ctrl-Q, in what the user types into an attached terminal: a
// Ctrl-P is held until the next key says whether it began the sequence (then both are dropped
// and agentctl detaches) or was a key of its own (then it goes, with the next one). The keys
// may come in one read or in two.
#include <string>
#include <string_view>

namespace agent::ctl {

class DetachKeys {
 public:
  static constexpr char kCtrlP = 0x10, kCtrlQ = 0x11;

  // The bytes to send for `typed`; `detach` becomes true when the sequence is complete (what
  // was typed after it is dropped: agentctl is leaving).
  std::string filter(std::string_view typed, bool& detach) {
    std::string out;
    for (char c : typed) {
      if (heldCtrlP_) {
        heldCtrlP_ = false;
        if (c == kCtrlQ) {
          detach = true;
          return out;
        }
        out += kCtrlP;
      }
      if (c == kCtrlP)
        heldCtrlP_ = true;
      else
        out += c;
    }
    return out;
  }

 private:
  bool heldCtrlP_ = false;
};

}  // namespace agent::ctl
