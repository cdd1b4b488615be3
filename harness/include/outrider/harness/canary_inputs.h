#pragma once

// What the canary judge compares, read from the runs' journals: per run, each second's p50 and
// p99 (seconds with replies only), the merged latency histograms' percentiles, and bad/total
// counts for the error rate and for each SLO named as a metric.

#include <vector>

#include "outrider/reports/journal.h"
#include "outrider/scenarios/scenario.h"
#include "outrider/slo/canary/judge.h"

namespace outrider::harness {

struct CanaryInputs {
  std::vector<slo::canary::SeriesMetricInput> series;
  std::vector<slo::canary::CountMetricInput> counts;
};

// Run i of baseline and of candidate are pair i. Empty metrics: the spec's default set.
CanaryInputs canaryInputs(const std::vector<scenarios::CanaryMetric>& metrics,
                          const std::vector<reports::Journal>& baseline,
                          const std::vector<reports::Journal>& candidate);

// A request's badness for error_rate, as the availability SLI counts it: failed, timed out,
// never sent, or a 5xx reply, out of every scheduled request.
uint64_t badRequests(const reports::LoadRecord& load);

}  // namespace outrider::harness
