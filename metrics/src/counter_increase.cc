#include "outrider/metrics/counter_increase.h"

#include <fmt/format.h>

#include <cmath>

namespace outrider::metrics {

std::vector<CounterIncrease::Point> CounterIncrease::pointsOf(
    const Selector::Evaluation& selection) {
  std::vector<Point> points;
  points.reserve(selection.samples.size());
  for (const Sample* sample : selection.samples) {
    points.push_back(Point{seriesKey(sample->name, sample->labels), sample->value});
  }
  return points;
}

CounterIncrease::Step CounterIncrease::measure(const std::vector<Point>& current,
                                               bool restarted) const {
  Step step;
  for (const auto& point : current) {
    if (!std::isfinite(point.value) || point.value < 0) {
      step.kind = Step::Kind::Invalid;
      step.problem = fmt::format("counter {} has the value {}, which no counter can have",
                                 point.key, point.value);
      return step;
    }
  }
  if (!has_baseline_) {
    step.kind = Step::Kind::Baseline;
    return step;
  }
  step.kind = Step::Kind::Increase;
  for (const auto& point : current) {
    auto before = baseline_.find(point.key);
    const double previous = before == baseline_.end() ? 0.0 : before->second;
    if (restarted || point.value < previous) {
      step.increase += point.value;
      ++step.resets;
    } else {
      step.increase += point.value - previous;
    }
  }
  return step;
}

void CounterIncrease::advance(const std::vector<Point>& current) {
  baseline_.clear();
  for (const auto& point : current) {
    baseline_[point.key] = point.value;
  }
  has_baseline_ = true;
}

}  // namespace outrider::metrics
