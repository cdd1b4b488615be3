#pragma once

// `outrider rules SCENARIO`: a Prometheus rule file (Sloth-style recording and multi-window,
// multi-burn-rate alerting rules) for a scenario's SLOs, to deploy next to the real service.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "outrider/scenarios/scenario.h"

namespace outrider::slo {

// Where Prometheus finds the events of the SLIs outrider measures with its own load generator
// (sli = "availability" | "latency"). The defaults are the reference proxy's metrics. Selectors
// are PromQL instant-vector selectors (`name` or `name{label="value"}`).
struct RulesOptions {
  std::string availability_bad = R"(outrider_proxy_requests_total{code="5xx"})";
  std::string availability_total = "outrider_proxy_requests_total";
  // A classic histogram: le="<threshold in seconds>" is added to this selector; that bucket must
  // exist in the histogram.
  std::string latency_bucket = "outrider_proxy_upstream_latency_seconds_bucket";
  std::string latency_count = "outrider_proxy_upstream_latency_seconds_count";
};

// Every reason the scenario cannot be rendered (empty: it can): a non-finite or out-of-range
// objective or factor, a window that is not a whole number of milliseconds, a latency SLO
// without threshold, a ratio SLO without total or without good/bad, an empty selector.
std::vector<std::string> prometheusRulesProblems(const scenarios::Scenario& scenario,
                                                 const RulesOptions& options);

// The rule file (YAML, `groups:`), deterministic for the same input: per SLO one recording group
// (slo:sli_error:ratio_rate<w> for every window of the alert rules, slo:objective:ratio,
// slo:error_budget:ratio, slo:time_period:days) and one alerting group (one alert per rule of
// scenario.alerting.rules). Throws std::invalid_argument listing prometheusRulesProblems().
std::string renderPrometheusRules(const scenarios::Scenario& scenario,
                                  const RulesOptions& options);

// A duration as Prometheus spells it: 5m, 1h, 1d, 3d, 1h30m, 1s500ms. nullopt when it is not
// positive or not a whole number of milliseconds.
std::optional<std::string> formatPrometheusDuration(std::chrono::nanoseconds duration);

}  // namespace outrider::slo
