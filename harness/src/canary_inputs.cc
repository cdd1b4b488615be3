#include "outrider/harness/canary_inputs.h"

#include <algorithm>
#include <utility>

#include "outrider/common/histogram.h"

namespace outrider::harness {
namespace {

namespace canary = slo::canary;

canary::Tolerance toleranceOf(const scenarios::CanaryMetric& metric) {
  return canary::Tolerance{metric.tolerance.value, metric.tolerance.relative};
}

// Each second's value of one latency series, for the seconds that had replies.
std::vector<double> repliedSeconds(const reports::Journal& j,
                                   const std::vector<double> reports::Series::*values) {
  const auto& series = j.series.*values;
  std::vector<double> out;
  for (size_t k = 0; k < series.size() && k < j.series.rps.size(); ++k) {
    if (j.series.rps[k] > 0) {
      out.push_back(series[k]);
    }
  }
  return out;
}

// The percentile over every run's latency histogram merged; none when no run kept one.
std::optional<double> mergedPercentile(const std::vector<reports::Journal>& runs, double p) {
  Histogram merged;
  for (const auto& j : runs) {
    for (const auto& [value, count] : j.load.latency_histogram_ns) {
      merged.recordCount(value, count);
    }
  }
  if (merged.count() == 0) {
    return std::nullopt;
  }
  return static_cast<double>(merged.valueAtPercentile(p)) / 1e6;
}

// A count metric from each run's (bad, total).
template <class BadAndTotal>
canary::CountMetricInput countInput(const scenarios::CanaryMetric& metric,
                                    const std::vector<reports::Journal>& baseline,
                                    const std::vector<reports::Journal>& candidate,
                                    BadAndTotal bad_and_total) {
  canary::CountMetricInput input;
  input.name = metric.name;
  input.tolerance = toleranceOf(metric);
  for (const auto& j : baseline) {
    const auto [bad, total] = bad_and_total(j);
    input.baseline_bad.push_back(bad);
    input.baseline_total.push_back(total);
  }
  for (const auto& j : candidate) {
    const auto [bad, total] = bad_and_total(j);
    input.candidate_bad.push_back(bad);
    input.candidate_total.push_back(total);
  }
  return input;
}

}  // namespace

uint64_t badRequests(const reports::LoadRecord& load) {
  // As LoadCounts::bad() counts them: a reply from the wrong service is bad too, once.
  auto five = load.status.find("5xx");
  return load.failed + load.timed_out + load.not_sent +
         (five == load.status.end() ? 0 : five->second) +
         (load.unexpected - std::min(load.unexpected_5xx, load.unexpected));
}

CanaryInputs canaryInputs(const std::vector<scenarios::CanaryMetric>& metrics,
                          const std::vector<reports::Journal>& baseline,
                          const std::vector<reports::Journal>& candidate) {
  const std::vector<scenarios::CanaryMetric> chosen =
      metrics.empty() ? scenarios::defaultCanaryMetrics() : metrics;
  CanaryInputs inputs;
  for (const auto& metric : chosen) {
    switch (metric.kind) {
      case scenarios::CanaryMetricKind::LatencyP50:
      case scenarios::CanaryMetricKind::LatencyP99: {
        const bool p50 = metric.kind == scenarios::CanaryMetricKind::LatencyP50;
        const auto values = p50 ? &reports::Series::p50_ms : &reports::Series::p99_ms;
        canary::SeriesMetricInput input;
        input.name = metric.name;
        input.tolerance = toleranceOf(metric);
        for (const auto& j : baseline) {
          input.baseline_runs.push_back(repliedSeconds(j, values));
        }
        for (const auto& j : candidate) {
          input.candidate_runs.push_back(repliedSeconds(j, values));
        }
        input.baseline_merged = mergedPercentile(baseline, p50 ? 50 : 99);
        input.candidate_merged = mergedPercentile(candidate, p50 ? 50 : 99);
        inputs.series.push_back(std::move(input));
        break;
      }
      case scenarios::CanaryMetricKind::ErrorRate:
        inputs.counts.push_back(countInput(metric, baseline, candidate, [](const auto& j) {
          return std::pair{badRequests(j.load), j.load.scheduled};
        }));
        break;
      case scenarios::CanaryMetricKind::Slo:
        // An SLO's bad events (total - good) out of its events, whatever its SLI counts.
        inputs.counts.push_back(countInput(metric, baseline, candidate, [&metric](const auto& j) {
          for (const auto& slo : j.slos) {
            if (slo.name == metric.name) {
              return std::pair{slo.total >= slo.good ? slo.total - slo.good : 0, slo.total};
            }
          }
          return std::pair<uint64_t, uint64_t>{0, 0};
        }));
        break;
    }
  }
  return inputs;
}

}  // namespace outrider::harness
