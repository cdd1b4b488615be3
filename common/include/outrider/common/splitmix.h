#pragma once

// SplitMix64, the mixer behind every counter-based draw (faults/draw.h, common/path_template.h):
// a draw is a pure function of a seed and a logical position, never of timing or of how many
// draws came before, so the same seed replays the same choices.

#include <cstdint>

namespace outrider {

// One step of the generator: a bijection of 64-bit values with full avalanche.
constexpr uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Combines two keys. For a fixed `b` it is a bijection of `a`, so different seeds never collide.
constexpr uint64_t mixKeys(uint64_t a, uint64_t b) { return splitmix64(a ^ splitmix64(b)); }

}  // namespace outrider
