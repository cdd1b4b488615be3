#pragma once

// F5, a telemetry flood (M11, spec/scenario.md "Process hygiene"): how many series each scrape of
// a process's metrics held (series.metrics_series.<process>), judged against the gate's
// max_series and max_series_growth as the finding `cardinality`. Pure: counts in, finding out.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "outrider/scenarios/scenario.h"
#include "outrider/slo/verdict.h"

namespace outrider::harness {

struct SeriesTrend {
  std::optional<uint64_t> first;  // the first measured scrape's count
  std::optional<uint64_t> peak;   // the largest count, at run second peak_second
  size_t peak_second = 0;
  // The least-squares slope over the measured scrapes, series per second, fitted per
  // incarnation as memoryGrowth does (a restart empties the registry, which is not a shrink);
  // nullopt without enough scrapes.
  std::optional<double> growth_per_s;
};

// counts[i] is the series count of the scrape at run second i + 1 (null: no scrape or it
// failed); incarnation[i] which start of the process it was. Looks at [first, end).
SeriesTrend seriesTrend(const std::vector<std::optional<uint64_t>>& counts,
                        const std::vector<uint32_t>& incarnation, size_t first,
                        size_t end = SIZE_MAX);

// The finding `cardinality` for a process whose peak passes max_series or whose slope passes
// max_series_growth (both named when both do); nullopt when the gate sets neither or it is
// within them.
std::optional<slo::Finding> cardinalityFinding(const scenarios::Gate& gate,
                                               const std::string& process,
                                               const SeriesTrend& trend);

}  // namespace outrider::harness
