#pragma once

// What the alert windows hold before the run's first measured second (spec/scenario.md,
// `[alerting] history`). "clean": the steady state the game day starts from, events at the
// warmup's measured rate and none bad, so a window reaching back before second 0 is not judged on
// a handful of seconds. "none": windows hold only the run's own events.

#include <cstdint>

#include "outrider/scenarios/scenario.h"
#include "outrider/slo/burn_rate.h"
#include "outrider/slo/event_series.h"

namespace outrider::slo {

class History {
 public:
  static History none() { return History(0); }
  // events_per_s: the clean events each second before second 0 (negative counts as 0).
  static History clean(double events_per_s) { return History(events_per_s > 0 ? events_per_s : 0); }
  // The scenario's choice. clean fills at warmup_rate, the events per second observed during the
  // warmup, or at configured_rate (the load's `rate`) when the warmup observed none.
  static History forScenario(scenarios::AlertHistory history, double warmup_rate,
                             double configured_rate);

  // Synthetic events per second before second 0; 0 for none.
  double rate() const { return rate_; }

  // The window of length_s seconds that ends at end_s (seconds [end_s - length_s, end_s)): the
  // series' own events, plus rate() clean events for each second of it before second 0. Same
  // preconditions as EventSeries::window.
  WindowCounts window(const EventSeries& series, uint64_t end_s, uint64_t length_s) const;
  // The window of length_s seconds that ends after the series' last second.
  WindowCounts trailing(const EventSeries& series, uint64_t length_s) const;

 private:
  explicit History(double rate) : rate_(rate) {}

  WindowCounts withHistory(const EventCounts& own, uint64_t end_s, uint64_t length_s) const {
    const uint64_t before_zero = length_s > end_s ? length_s - end_s : 0;
    return WindowCounts{static_cast<double>(own.bad()),
                        static_cast<double>(own.total) + rate_ * static_cast<double>(before_zero)};
  }

  double rate_;
};

}  // namespace outrider::slo
