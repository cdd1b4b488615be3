#pragma once

// Counter-based draws. Every random choice a fault makes is a pure function of the fault's seed
// and the logical position it is made at (connection, request, chunk, slice), never of thread
// timing or of how many draws came before: the same seed replays the same decisions, whatever
// order the connections happen to be served in. SplitMix64's finaliser is the mixer.

#include <cstdint>

#include "outrider/common/splitmix.h"

namespace outrider::faults {

// A uniform double in [0, 1) for draw `n` of `stream` under `fault_seed` (53 random bits).
constexpr double uniform01(uint64_t fault_seed, uint64_t stream, uint64_t n) {
  return static_cast<double>(mixKeys(mixKeys(fault_seed, stream), n) >> 11) * 0x1.0p-53;
}

// What a draw is for. Each purpose gets its own sub-seed so, say, the jitter of request 7 is
// independent of whether request 7 was chosen.
enum class DrawPurpose : uint64_t { Decide = 0, Jitter = 1, SliceSize = 2 };

constexpr uint64_t purposeSeed(uint64_t fault_seed, DrawPurpose purpose) {
  return purpose == DrawPurpose::Decide ? fault_seed
                                        : mixKeys(fault_seed, static_cast<uint64_t>(purpose));
}

}  // namespace outrider::faults
