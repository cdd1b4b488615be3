#pragma once

// F8's growth trend (spec/scenario.md, "Process hygiene"): the least-squares slope of a process's
// memory over the measured span, in bytes per second, and the finding `leak` when it passes the
// gate's max_memory_growth. Pure: samples in, slope out.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "outrider/scenarios/scenario.h"
#include "outrider/slo/verdict.h"

namespace outrider::harness {

struct MemoryPoint {
  double at_s = 0;
  double bytes = 0;
};

// The least-squares slope of bytes over at_s; nullopt with fewer than two points or when they
// all share one time.
std::optional<double> leastSquaresSlope(const std::vector<MemoryPoint>& points);

// Fewest samples an incarnation needs for its slope to count: two points make a line from any
// noise, and a restart's first seconds (loading, warming caches) are not a trend.
inline constexpr size_t MinGrowthSamples = 5;

// A process's growth over samples [first, end) (end clamped to memory.size()): memory[i] is its
// memory at run second i + 1 (null while it was not running), incarnation[i] which start it was.
// A process restarted mid-run starts again from its baseline, and a line through both
// incarnations would read the drop as shrinking: each incarnation is fitted on its own, over its
// samples in the span, and the steepest slope is the process's (a leak in any one of them is a
// leak). Incarnations with fewer than MinGrowthSamples samples are left out; nullopt when none
// has enough.
std::optional<double> memoryGrowth(const std::vector<std::optional<uint64_t>>& memory,
                                   const std::vector<uint32_t>& incarnation, size_t first,
                                   size_t end = SIZE_MAX);

// The finding `leak` for a process whose growth passes the gate's max_memory_growth, naming the
// process and its slope; nullopt without the limit, a slope, or when within it.
std::optional<slo::Finding> leakFinding(const scenarios::Gate& gate, const std::string& process,
                                        std::optional<double> growth_bytes_per_s);

}  // namespace outrider::harness
