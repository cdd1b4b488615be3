#include "outrider/harness/load_stats.h"

#include <algorithm>

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
  tls_failed += other.tls_failed;
  status_1xx += other.status_1xx;
  status_2xx += other.status_2xx;
  status_3xx += other.status_3xx;
  status_4xx += other.status_4xx;
  status_5xx += other.status_5xx;
  status_other += other.status_other;
  unexpected += other.unexpected;
  unexpected_5xx += other.unexpected_5xx;
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

StatusGroups StatusGroups::fromSlos(const std::vector<scenarios::Slo>& slos) {
  std::vector<scenarios::StatusMatch> codes;
  std::vector<scenarios::StatusMatch> classes;
  for (const auto& slo : slos) {
    if (slo.sli == scenarios::SliKind::Ratio || slo.sli == scenarios::SliKind::Uptime) {
      continue;
    }
    for (const auto& match : slo.bad_status) {
      const bool server_error = match.code != 0 ? match.code >= 500 : match.klass == 5;
      auto& into = match.code != 0 ? codes : classes;
      if (!server_error && std::find(into.begin(), into.end(), match) == into.end()) {
        into.push_back(match);
      }
    }
  }
  codes.insert(codes.end(), classes.begin(), classes.end());
  return StatusGroups(std::move(codes));
}

int StatusGroups::groupOf(int status) const {
  if (status >= 500 && status < 600) {
    return -1;
  }
  // Codes come first, so a class group holds the codes of its class that no group names.
  for (size_t g = 0; g < groups_.size(); ++g) {
    if (groups_[g].matches(status)) {
      return static_cast<int>(g);
    }
  }
  return -1;
}

bool StatusGroups::badFor(size_t g, const std::vector<scenarios::StatusMatch>& bad) const {
  const auto& group = groups_.at(g);
  for (const auto& match : bad) {
    // A code group is bad when its code or its class is listed; a class group when its class is.
    if (match == group || (group.code != 0 && match.code == 0 && match.matches(group.code))) {
      return true;
    }
  }
  return false;
}

}  // namespace outrider::harness
