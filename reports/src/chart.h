#pragma once

// The SVG line chart of report.html, for the other pages that plot a run's seconds (canary.html).

#include <string>
#include <string_view>
#include <vector>

#include "outrider/reports/journal.h"

namespace outrider::reports::detail {

struct ChartLine {
  std::string label;
  std::string_view color;
  std::vector<double> values;  // one per second; NaN lifts the pen
  bool right_axis = false;     // plotted against the right-hand axis
  bool dashed = false;
};

// A chart over the seconds of `frame` (its duration, series interval and fault windows, which it
// shades), marking when `alerts` fired.
std::string renderChart(const Journal& frame, const std::vector<const AlertRecord*>& alerts,
                        std::string_view title, std::string_view left_unit,
                        std::string_view right_unit, const std::vector<ChartLine>& lines);

// report.html's style sheet, so every page of a run folder looks alike.
std::string_view pageStyle();

}  // namespace outrider::reports::detail
