#pragma once

// Multi-window, multi-burn-rate alerting for one SLO (spec/scenario.md, "SLIs, budgets and
// alerts"): a rule fires when the burn rate over both its long and its short window exceeds its
// factor, and resolves when either falls back to the factor or below. Each distinct window's burn
// rate is computed once per evaluation, however many rules share it.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "outrider/scenarios/scenario.h"
#include "outrider/slo/event_series.h"
#include "outrider/slo/history.h"

namespace outrider::slo {

// One firing of one rule: the journal's alerts[] entry. Times are run-time seconds.
struct AlertRecord {
  std::string slo;
  std::string severity;  // page | ticket
  double long_s = 0;
  double short_s = 0;
  double factor = 0;
  double fired_at_s = 0;
  std::optional<double> resolved_at_s;  // nullopt while it still fires at the end
};

class AlertEvaluator {
 public:
  // Windows are taken in whole seconds (SloEngine::create rejects others). record_series keeps
  // every evaluation's burn rate per window, for the journal's series.burn_rate: 8 bytes per
  // distinct window per second, the only state that grows with the run.
  AlertEvaluator(std::string slo, double objective, std::vector<scenarios::AlertRule> rules,
                 bool record_series = true);

  // The longest window of the rules: what the event series must retain. 0 without rules.
  uint64_t longestWindow() const { return windows_.empty() ? 0 : windows_.back().length_s; }

  // Evaluates every rule over the trailing windows of the series as it stands (its last second
  // just appended), at run time at_s. O(distinct windows + rules).
  void evaluate(const EventSeries& series, const History& history, double at_s);

  uint64_t evaluations() const { return evaluations_; }
  const std::vector<scenarios::AlertRule>& rules() const { return rules_; }
  // Every firing so far, in firing order.
  const std::vector<AlertRecord>& alerts() const { return alerts_; }
  // Whether rules()[rule] fires after the last evaluation.
  bool firing(size_t rule) const { return rule_states_.at(rule).open.has_value(); }
  // The burn rate over the window of this length at the last evaluation (0 before the first);
  // nullopt when no rule uses such a window.
  std::optional<double> burnRate(uint64_t window_s) const;
  // Per distinct window, keyed as formatDuration writes it ("5m", "1h", "1d"): the burn rate at
  // each evaluation, in order. Empty vectors when series were not recorded.
  std::map<std::string, std::vector<double>> burnRateSeries() const;

 private:
  struct Window {
    uint64_t length_s = 0;
    double burn_rate = 0;
    std::vector<double> series;
  };
  struct RuleState {
    size_t long_window = 0;  // indexes into windows_
    size_t short_window = 0;
    std::optional<size_t> open;  // index into alerts_ of the firing that has not resolved
  };

  size_t windowIndex(uint64_t length_s) const;

  std::string slo_;
  double objective_;
  std::vector<scenarios::AlertRule> rules_;
  bool record_series_;
  std::vector<Window> windows_;  // distinct lengths, shortest first
  std::vector<RuleState> rule_states_;
  std::vector<AlertRecord> alerts_;
  uint64_t evaluations_ = 0;
};

}  // namespace outrider::slo
