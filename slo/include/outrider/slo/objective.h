#pragma once

// An SLO's result over the run's measured span (spec/scenario.md, "SLIs, budgets and alerts"):
// the SLI, whether it met its objective, and how much of a period's error budget the run spent.

#include <cstdint>
#include <string>

#include "outrider/scenarios/scenario.h"
#include "outrider/slo/event_series.h"

namespace outrider::slo {

// The journal's slos[] entry, less the per-SLO verdict (Judgement::slo_verdicts).
struct SloReport {
  std::string name;
  scenarios::SliKind sli = scenarios::SliKind::Availability;
  double objective = 0;
  double period_s = 0;
  double measured_span_s = 0;
  uint64_t good = 0;
  uint64_t total = 0;
  double measured = 1;  // good / total; 1 when there were no events (nothing was bad)
  bool met = true;      // measured >= objective
  double budget_consumed = 0;
};

// (bad / total) x (measured_span_s / period_s) / (1 - objective): the fraction of one period's
// error budget the run spent, were the run's error ratio kept up for the measured span. 0 without
// events or bad events.
double budgetConsumed(const EventCounts& events, double objective, double measured_span_s,
                      double period_s);

// The report of one SLO from its events over the measured span.
SloReport summarize(const scenarios::Slo& slo, const EventCounts& events, double measured_span_s);

}  // namespace outrider::slo
