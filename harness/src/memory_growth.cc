#include "outrider/harness/memory_growth.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace outrider::harness {

std::optional<double> leastSquaresSlope(const std::vector<MemoryPoint>& points) {
  if (points.size() < 2) {
    return std::nullopt;
  }
  // Centred sums: memory in bytes reaches 1e10, and raw sums of squares would lose the slope.
  double mean_t = 0;
  double mean_b = 0;
  for (const auto& p : points) {
    mean_t += p.at_s;
    mean_b += p.bytes;
  }
  const auto n = static_cast<double>(points.size());
  mean_t /= n;
  mean_b /= n;
  double stt = 0;
  double stb = 0;
  for (const auto& p : points) {
    stt += (p.at_s - mean_t) * (p.at_s - mean_t);
    stb += (p.at_s - mean_t) * (p.bytes - mean_b);
  }
  if (stt <= 0) {
    return std::nullopt;
  }
  return stb / stt;
}

std::optional<double> memoryGrowth(const std::vector<std::optional<uint64_t>>& memory,
                                   const std::vector<uint32_t>& incarnation, size_t first,
                                   size_t end) {
  std::map<uint32_t, std::vector<MemoryPoint>> by_incarnation;
  for (size_t i = first; i < std::min(end, memory.size()); ++i) {
    if (!memory[i]) {
      continue;
    }
    const uint32_t start = i < incarnation.size() ? incarnation[i] : 0;
    by_incarnation[start].push_back(
        MemoryPoint{static_cast<double>(i + 1), static_cast<double>(*memory[i])});
  }
  std::optional<double> steepest;
  for (const auto& [start, points] : by_incarnation) {
    if (points.size() < MinGrowthSamples) {
      continue;
    }
    if (auto slope = leastSquaresSlope(points); slope && (!steepest || *slope > *steepest)) {
      steepest = slope;
    }
  }
  return steepest;
}

std::optional<slo::Finding> leakFinding(const scenarios::Gate& gate, const std::string& process,
                                        std::optional<double> growth_bytes_per_s) {
  if (!gate.max_memory_growth_bytes_per_s || !growth_bytes_per_s ||
      *growth_bytes_per_s <= *gate.max_memory_growth_bytes_per_s) {
    return std::nullopt;
  }
  const double mib_per_s = *growth_bytes_per_s / (1024.0 * 1024.0);
  const bool fails = std::find(gate.fail_on.begin(), gate.fail_on.end(),
                               scenarios::FindingKind::Leak) != gate.fail_on.end();
  return slo::Finding{scenarios::FindingKind::Leak, "",
                      fmt::format("{}: memory grew {:.2f} MiB/s ({:.1f} MiB/min) > {}", process,
                                  mib_per_s, mib_per_s * 60, gate.max_memory_growth),
                      fails};
}

}  // namespace outrider::harness
