#pragma once

// The increase of a selection of counters between two scrapes, series by series, as
// Prometheus's increase() counts it: a series whose value dropped was reset (its process
// restarted) and its new value is all it gained since. So a restarted sidecar's counters never
// give a negative increase, and the old process's count is never added twice.
//
// Two things go beyond increase(), both because a game day knows more than a Prometheus server:
//  - the caller may say the process restarted between the two scrapes (its supervisor saw it):
//    then every series counts from 0, even one that had already climbed past its old value;
//  - a series absent from the earlier scrape counts from 0, since client libraries create a
//    labelled series on its first increment (increase() would need two samples of it and lose
//    that first count).
// A counter cannot be NaN, infinite or negative: such a value makes the step invalid, and the
// baseline stays where it was.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "outrider/metrics/selector.h"

namespace outrider::metrics {

class CounterIncrease {
 public:
  struct Point {
    std::string key;  // seriesKey() of the series
    double value = 0;
  };
  // The selected samples of one scrape as points.
  static std::vector<Point> pointsOf(const Selector::Evaluation& selection);

  struct Step {
    enum class Kind {
      Baseline,  // there was nothing to count from: `current` can only become the baseline
      Increase,
      Invalid,  // a value no counter can have; `problem` says which
    };
    Kind kind = Kind::Baseline;
    double increase = 0;
    uint32_t resets = 0;  // series counted from 0 (dropped, or the process restarted)
    std::string problem;
  };

  // The increase from the baseline to `current`, without moving the baseline.
  Step measure(const std::vector<Point>& current, bool restarted) const;
  // Makes `current` the baseline of the next measure().
  void advance(const std::vector<Point>& current);

  bool hasBaseline() const { return has_baseline_; }

 private:
  std::map<std::string, double> baseline_;
  bool has_baseline_ = false;
};

}  // namespace outrider::metrics
