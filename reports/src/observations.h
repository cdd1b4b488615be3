#pragma once

// The figures the Markdown and HTML reports both show about what the run observed of its
// processes (ratio SLIs, scrapes, resources), computed once from the journal.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "outrider/reports/journal.h"

namespace outrider::reports::detail {

// A ratio SLO's events against what the clients saw over the same span.
struct RatioSummary {
  const SloRecord* slo = nullptr;
  uint64_t sidecar_total = 0;  // the events the source's counters gave
  std::optional<uint64_t> clients_sent;
  // clients_sent - sidecar_total when positive: requests the source never reported (sent while
  // it was down, or counted by a process that then died with its counters).
  std::optional<uint64_t> unseen;
  std::optional<uint64_t> over;  // sidecar_total - clients_sent when positive
  // Requests clients had scheduled in the gap seconds (series rps + errors), when known.
  std::optional<uint64_t> clients_in_gaps;
};

std::vector<RatioSummary> summarizeRatios(const Journal& journal);

// The report's sentences about one ratio SLO, as plain text (the renderers escape them).
std::vector<std::string> describeRatio(const RatioSummary& summary);

// "12-14s" (a gap's span), "12s" for one second.
std::string gapSpan(const GapRecord& gap);

struct ResourceSummary {
  std::string process;
  uint32_t restarts = 0;
  std::optional<double> cpu_mean;  // cores, over the seconds with a sample
  std::optional<double> cpu_max;
  std::optional<uint64_t> rss_max;  // bytes
  std::optional<uint64_t> rss_last;
  size_t seconds = 0;          // of the series
  size_t missing_seconds = 0;  // without a CPU sample (not running, or just started)
};

// One per process of series.process, in the processes' order (then any others).
std::vector<ResourceSummary> summarizeResources(const Journal& journal);

// The report's sentences about each process's certificates (journal credentials[]): how many
// it served and, when one expired, "the certificate of secrets expired at 42.0s (NotAfter ...)"
// with the fault under way then named as its trigger.
std::vector<std::string> describeCredentials(const Journal& journal);

}  // namespace outrider::reports::detail
