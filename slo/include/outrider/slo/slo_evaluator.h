#pragma once

// One SLO fed once a second: its event series, the alert rules evaluated at the end of each
// second, and its report over the measured span.
//
// Time convention: measured second k covers run time [first_measured_s + k, first_measured_s +
// k + 1) and is evaluated at its end, t = first_measured_s + k + 1, the time alerts carry. With a
// warmup, first_measured_s is the warmup (run time 0 is the load's start).

#include <cstdint>
#include <vector>

#include "outrider/scenarios/scenario.h"
#include "outrider/slo/alert_evaluator.h"
#include "outrider/slo/event_series.h"
#include "outrider/slo/history.h"
#include "outrider/slo/objective.h"

namespace outrider::slo {

class SloEvaluator {
 public:
  // slo and rules as SloEngine::create validates them (objective in (0, 1), whole-second windows).
  SloEvaluator(scenarios::Slo slo, std::vector<scenarios::AlertRule> rules, History history,
               double first_measured_s, bool record_series = true);

  // Appends measured second seconds() and evaluates every rule at its end.
  void addSecond(EventCounts counts);

  // Measured seconds fed so far: the measured span, in seconds.
  uint64_t seconds() const { return series_.seconds(); }
  // The run time at which measured second `second` is evaluated.
  double evaluationTime(uint64_t second) const {
    return first_measured_s_ + static_cast<double>(second) + 1;
  }

  const scenarios::Slo& slo() const { return slo_; }
  const History& history() const { return history_; }
  const EventSeries& series() const { return series_; }
  const AlertEvaluator& alerting() const { return alerting_; }

  // The SLI and budget over the seconds fed so far.
  SloReport report() const;

 private:
  scenarios::Slo slo_;
  History history_;
  double first_measured_s_;
  AlertEvaluator alerting_;
  EventSeries series_;  // sized by alerting_, so declared after it
};

}  // namespace outrider::slo
