#include "outrider/slo/uptime_sli.h"

#include <algorithm>
#include <cmath>

namespace outrider::slo {

std::vector<EventCounts> uptimeSeconds(const std::vector<ReadinessChange>& changes,
                                       uint64_t seconds) {
  // Ready time per second, from the intervals between changes.
  std::vector<double> ready(seconds, 0.0);
  const auto end = static_cast<double>(seconds);
  auto addReady = [&ready, end](double from, double to) {
    from = std::max(from, 0.0);
    to = std::min(to, end);
    for (double at = from; at < to;) {
      const double second = std::floor(at);
      const double until = std::min(to, second + 1);
      ready[static_cast<size_t>(second)] += until - at;
      at = until;
    }
  };
  bool is_ready = false;
  double since = 0;
  for (const auto& change : changes) {
    if (change.ready == is_ready) {
      continue;
    }
    if (is_ready) {
      addReady(since, change.at_s);
    }
    is_ready = change.ready;
    since = change.at_s;
  }
  if (is_ready) {
    addReady(since, end);
  }
  std::vector<EventCounts> out;
  out.reserve(seconds);
  for (double part : ready) {
    const auto good = static_cast<uint64_t>(
        std::llround(std::clamp(part, 0.0, 1.0) * static_cast<double>(UptimeEventsPerSecond)));
    out.push_back(EventCounts{good, UptimeEventsPerSecond});
  }
  return out;
}

}  // namespace outrider::slo
