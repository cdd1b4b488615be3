#pragma once

#include <string>
#include <string_view>

#include "outrider/reports/journal.h"

namespace outrider::reports {

// report.html: one self-contained HTML5 page (inline CSS and inline SVG charts; no scripts, fonts,
// style sheets or images from elsewhere, so it works offline). It holds what report.md holds, in
// the same order, plus three charts over the run's per-second series: requests/s with errors/s,
// p50/p99 latency, and each SLO's burn rate for its shortest and longest window; every chart
// shades the fault windows and marks when alerts fired. Every string from the journal is
// HTML-escaped. Pure and deterministic (fixed number formatting), so a golden file can test it.
std::string renderHtml(const Journal& journal);

// Escapes & < > " ' for HTML text and attribute values.
std::string htmlEscape(std::string_view text);

}  // namespace outrider::reports
