#include "outrider/slo/history.h"

namespace outrider::slo {

History History::forScenario(scenarios::AlertHistory history, double warmup_rate,
                             double configured_rate) {
  if (history == scenarios::AlertHistory::None) {
    return none();
  }
  return clean(warmup_rate > 0 ? warmup_rate : configured_rate);
}

WindowCounts History::window(const EventSeries& series, uint64_t end_s, uint64_t length_s) const {
  return withHistory(series.window(end_s, length_s), end_s, length_s);
}

WindowCounts History::trailing(const EventSeries& series, uint64_t length_s) const {
  return withHistory(series.trailing(length_s), series.seconds(), length_s);
}

}  // namespace outrider::slo
