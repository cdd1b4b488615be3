#include "outrider/slo/objective.h"

#include <chrono>
#include <limits>

#include "outrider/common/units.h"

namespace outrider::slo {

double budgetConsumed(const EventCounts& events, double objective, double measured_span_s,
                      double period_s) {
  if (events.total == 0 || events.bad() == 0) {
    return 0;
  }
  const double allowed = 1 - objective;
  if (allowed <= 0 || period_s <= 0) {
    return std::numeric_limits<double>::infinity();
  }
  const double bad_ratio = static_cast<double>(events.bad()) / static_cast<double>(events.total);
  return bad_ratio * (measured_span_s / period_s) / allowed;
}

SloReport summarize(const scenarios::Slo& slo, const EventCounts& events, double measured_span_s) {
  SloReport report;
  report.name = slo.name;
  report.sli = slo.sli;
  report.objective = slo.objective;
  report.period_s = toSeconds(slo.period);
  report.measured_span_s = measured_span_s;
  report.good = events.good;
  report.total = events.total;
  if (events.total > 0) {
    report.measured = static_cast<double>(events.good) / static_cast<double>(events.total);
  }
  report.met = report.measured >= slo.objective;
  report.budget_consumed = budgetConsumed(events, slo.objective, measured_span_s, report.period_s);
  return report;
}

}  // namespace outrider::slo
