#include "outrider/slo/slo_evaluator.h"

#include <algorithm>
#include <utility>

namespace outrider::slo {

SloEvaluator::SloEvaluator(scenarios::Slo slo, std::vector<scenarios::AlertRule> rules,
                           History history, double first_measured_s, bool record_series)
    : slo_(std::move(slo)),
      history_(history),
      first_measured_s_(first_measured_s),
      alerting_(slo_.name, slo_.objective, std::move(rules), record_series),
      series_(std::max<uint64_t>(alerting_.longestWindow(), 1)) {}

void SloEvaluator::addSecond(EventCounts counts) {
  const uint64_t second = series_.seconds();
  series_.append(counts);
  alerting_.evaluate(series_, history_, evaluationTime(second));
}

SloReport SloEvaluator::report() const {
  return summarize(slo_, series_.totals(), static_cast<double>(series_.seconds()));
}

}  // namespace outrider::slo
