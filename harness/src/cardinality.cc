#include "outrider/harness/cardinality.h"

#include <fmt/format.h>

#include <algorithm>

#include "outrider/harness/memory_growth.h"

namespace outrider::harness {

SeriesTrend seriesTrend(const std::vector<std::optional<uint64_t>>& counts,
                        const std::vector<uint32_t>& incarnation, size_t first, size_t end) {
  SeriesTrend trend;
  end = std::min(end, counts.size());
  for (size_t i = first; i < end; ++i) {
    if (!counts[i]) {
      continue;
    }
    if (!trend.first) {
      trend.first = counts[i];
    }
    if (!trend.peak || *counts[i] > *trend.peak) {
      trend.peak = counts[i];
      trend.peak_second = i + 1;
    }
  }
  // The same fit as a memory slope: a count per second is a sample per second.
  trend.growth_per_s = memoryGrowth(counts, incarnation, first, end);
  return trend;
}

std::optional<slo::Finding> cardinalityFinding(const scenarios::Gate& gate,
                                               const std::string& process,
                                               const SeriesTrend& trend) {
  std::vector<std::string> over;
  if (gate.max_series && trend.peak && *trend.peak > *gate.max_series) {
    over.push_back(fmt::format("{} series at {}s > max_series {}", *trend.peak, trend.peak_second,
                               *gate.max_series));
  }
  if (gate.max_series_growth_per_s && trend.growth_per_s &&
      *trend.growth_per_s > *gate.max_series_growth_per_s) {
    over.push_back(fmt::format("series grew {:.1f}/s ({:.0f}/min) > {}", *trend.growth_per_s,
                               *trend.growth_per_s * 60, gate.max_series_growth));
  }
  if (over.empty()) {
    return std::nullopt;
  }
  const bool fails = std::find(gate.fail_on.begin(), gate.fail_on.end(),
                               scenarios::FindingKind::Cardinality) != gate.fail_on.end();
  std::string detail = process + ": " + over[0];
  if (over.size() > 1) {
    detail += "; " + over[1];
  }
  if (trend.first) {
    detail += fmt::format(" (from {} at the start)", *trend.first);
  }
  return slo::Finding{scenarios::FindingKind::Cardinality, "", std::move(detail), fails};
}

}  // namespace outrider::harness
