#pragma once
// A set of Linux capabilities (capabilities(7)) as the bits of their numbers, and how Docker
// builds a container's set from its default and `--cap-add` / `--cap-drop`. Pure: nothing
// here touches the process; Capabilities.h applies a set.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::container {

class CapabilitySet {
 public:
  constexpr CapabilitySet() = default;
  static constexpr CapabilitySet fromBits(uint64_t bits) { return CapabilitySet(bits); }

  constexpr uint64_t bits() const { return bits_; }
  constexpr bool has(int cap) const { return cap >= 0 && cap < 64 && (bits_ >> cap & 1) != 0; }
  constexpr void add(int cap) { bits_ |= uint64_t{1} << cap; }
  constexpr void remove(int cap) { bits_ &= ~(uint64_t{1} << cap); }
  constexpr bool operator==(const CapabilitySet&) const = default;

 private:
  constexpr explicit CapabilitySet(uint64_t bits) : bits_(bits) {}
  uint64_t bits_ = 0;
};

// moby's oci/caps defaults (14): what a Docker container has unless told otherwise.
CapabilitySet dockerDefaultCapabilities();
// Every capability this build knows by name (CAP_CHOWN 0 .. CAP_CHECKPOINT_RESTORE 40).
CapabilitySet allKnownCapabilities();

// "CAP_NET_RAW", "net_raw", "Cap_Net_Raw" -> its number; anything else (numbers too) is
// refused with the name and where the list is.
Result<int> capabilityNumber(std::string_view name);
// "CAP_NET_RAW" for 13.
std::string capabilityName(int cap);
// The set's names in number order, each "CAP_...".
std::vector<std::string> capabilityNames(CapabilitySet set);
// The inverse of capabilityNames, for the persisted record.
Result<CapabilitySet> capabilitiesFromNames(const std::vector<std::string>& names);

// Docker's combination (moby's TweakCapabilities): `ALL` in `add` gives every capability but
// the dropped; else `ALL` in `drop` gives exactly the added; else the default minus the
// dropped plus the added (so `--cap-drop X --cap-add X` keeps X). Names as capabilityNumber
// takes them; an unknown one is refused, naming it.
Result<CapabilitySet> combineCapabilities(CapabilitySet defaults, const std::vector<std::string>& add,
                                          const std::vector<std::string>& drop);

}  // namespace agent::container
