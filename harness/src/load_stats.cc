#include "outrider/harness/load_stats.h"

namespace outrider::harness {

void LoadCounts::add(const LoadCounts& other) {
  scheduled += other.scheduled;
  sent += other.sent;
  completed += other.completed;
  failed += other.failed;
  timed_out += other.timed_out;
  late += other.late;
  not_sent += other.not_sent;
  late_dispatch += other.late_dispatch;
  stalled_dispatch += other.stalled_dispatch;
  status_1xx += other.status_1xx;
  status_2xx += other.status_2xx;
  status_3xx += other.status_3xx;
  status_4xx += other.status_4xx;
  status_5xx += other.status_5xx;
  status_other += other.status_other;
}

LatencySummary summarizeLatency(const Histogram& nanoseconds) {
  constexpr double NanosPerMs = 1e6;
  LatencySummary summary;
  summary.count = nanoseconds.count();
  summary.min_ms = static_cast<double>(nanoseconds.min()) / NanosPerMs;
  summary.mean_ms = nanoseconds.mean() / NanosPerMs;
  summary.p50_ms = static_cast<double>(nanoseconds.valueAtPercentile(50)) / NanosPerMs;
  summary.p90_ms = static_cast<double>(nanoseconds.valueAtPercentile(90)) / NanosPerMs;
  summary.p99_ms = static_cast<double>(nanoseconds.valueAtPercentile(99)) / NanosPerMs;
  summary.p999_ms = static_cast<double>(nanoseconds.valueAtPercentile(99.9)) / NanosPerMs;
  summary.max_ms = static_cast<double>(nanoseconds.max()) / NanosPerMs;
  return summary;
}

double LoadResult::achievedRate(std::chrono::nanoseconds measured_span) const {
  if (measured_span.count() <= 0) {
    return 0.0;
  }
  return static_cast<double>(counts.sent) / (static_cast<double>(measured_span.count()) / 1e9);
}

}  // namespace outrider::harness
