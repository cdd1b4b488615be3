#pragma once

// The SLO engine of a run: one SloEvaluator per [[slo]], fed once a second by the harness, and the
// run's reports, alerts, burn-rate series and verdict at the end. Pure computation: no clock, no
// I/O; the harness decides what a second is and maps the results to the journal.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "outrider/common/result.h"
#include "outrider/scenarios/scenario.h"
#include "outrider/slo/alert_evaluator.h"
#include "outrider/slo/event_series.h"
#include "outrider/slo/objective.h"
#include "outrider/slo/slo_evaluator.h"
#include "outrider/slo/verdict.h"

namespace outrider::slo {

struct EngineOptions {
  // Run time (seconds since the run's start) at which measured second 0 begins: the warmup.
  double first_measured_s = 0;
  // history = "clean": events per second observed during the warmup. warmup_rate_by_slo
  // overrides it per SLO name (a ratio SLI counts a process's metric, not the load's requests).
  double warmup_rate = 0;
  std::map<std::string, double> warmup_rate_by_slo;
  // history = "clean" when the warmup observed nothing (no warmup): the load's configured rate.
  double configured_rate = 0;
  // Keep each window's burn rate per second for the journal's series.burn_rate.
  bool record_burn_rates = true;
};

class SloEngine {
 public:
  // Checks what the arithmetic needs: objectives in (0, 1), positive periods, rule windows of
  // whole seconds >= 1s, positive factors, severities page | ticket. Every problem is reported,
  // one per line. With policy sre-workbook and no rules, the sre-workbook table applies.
  static Result<std::unique_ptr<SloEngine>> create(const std::vector<scenarios::Slo>& slos,
                                                   const scenarios::Alerting& alerting,
                                                   const EngineOptions& options);
  static Result<std::unique_ptr<SloEngine>> create(const scenarios::Scenario& scenario,
                                                   const EngineOptions& options);
  // Options for a loaded scenario: first_measured_s = load.warmup, configured_rate = load.rate.
  static EngineOptions optionsFor(const scenarios::Scenario& scenario, double warmup_rate);

  // One measured second: per_slo[i] are the events of the i-th SLO (the scenario's order).
  // Throws std::invalid_argument when the sizes differ (a caller's bug).
  void addSecond(std::span<const EventCounts> per_slo);

  size_t size() const { return evaluators_.size(); }
  SloEvaluator& evaluator(size_t index) { return evaluators_.at(index); }
  const SloEvaluator& evaluator(size_t index) const { return evaluators_.at(index); }
  const SloEvaluator* find(std::string_view name) const;
  // Measured seconds fed (through addSecond).
  uint64_t seconds() const { return seconds_; }

  // The journal's slos[] (less verdicts), in the scenario's order.
  std::vector<SloReport> reports() const;
  // Every firing of every SLO, by firing time (SLO order among equal times).
  std::vector<AlertRecord> alerts() const;
  // series.burn_rate: SLO name -> window ("5m", "1h") -> burn rate per measured second.
  std::map<std::string, std::map<std::string, std::vector<double>>> burnRateSeries() const;
  // The gate's verdict over what was fed (see verdict.h for precedence).
  Judgement judge(const scenarios::Gate& gate, std::vector<std::string> invalid_reasons = {}) const;

  // Rules that can never fire, such as a factor x (1 - objective) >= 1 (a 14.4x page on a 90%
  // objective would need 144% bad events).
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  SloEngine() = default;

  std::vector<SloEvaluator> evaluators_;
  std::vector<std::string> warnings_;
  uint64_t seconds_ = 0;
};

}  // namespace outrider::slo
