#include "outrider/slo/alert_evaluator.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "outrider/common/units.h"

namespace outrider::slo {
namespace {

uint64_t wholeSeconds(std::chrono::nanoseconds d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  return s > 0 ? static_cast<uint64_t>(s) : 0;
}

}  // namespace

AlertEvaluator::AlertEvaluator(std::string slo, double objective,
                               std::vector<scenarios::AlertRule> rules, bool record_series)
    : slo_(std::move(slo)),
      objective_(objective),
      rules_(std::move(rules)),
      record_series_(record_series) {
  std::vector<uint64_t> lengths;
  for (const auto& rule : rules_) {
    lengths.push_back(wholeSeconds(rule.long_window));
    lengths.push_back(wholeSeconds(rule.short_window));
  }
  std::sort(lengths.begin(), lengths.end());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
  for (const uint64_t length : lengths) {
    windows_.push_back(Window{length, 0, {}});
  }
  for (const auto& rule : rules_) {
    rule_states_.push_back(RuleState{windowIndex(wholeSeconds(rule.long_window)),
                                     windowIndex(wholeSeconds(rule.short_window)), std::nullopt});
  }
}

size_t AlertEvaluator::windowIndex(uint64_t length_s) const {
  const auto it = std::lower_bound(
      windows_.begin(), windows_.end(), length_s,
      [](const Window& window, uint64_t length) { return window.length_s < length; });
  return static_cast<size_t>(it - windows_.begin());
}

void AlertEvaluator::evaluate(const EventSeries& series, const History& history, double at_s) {
  for (auto& window : windows_) {
    window.burn_rate = slo::burnRate(history.trailing(series, window.length_s), objective_);
    if (record_series_) {
      window.series.push_back(window.burn_rate);
    }
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    const auto& rule = rules_[i];
    auto& state = rule_states_[i];
    const bool above = windows_[state.long_window].burn_rate > rule.factor &&
                       windows_[state.short_window].burn_rate > rule.factor;
    if (above && !state.open) {
      state.open = alerts_.size();
      alerts_.push_back(AlertRecord{slo_, rule.severity,
                                    static_cast<double>(windows_[state.long_window].length_s),
                                    static_cast<double>(windows_[state.short_window].length_s),
                                    rule.factor, at_s, std::nullopt});
    } else if (!above && state.open) {
      alerts_[*state.open].resolved_at_s = at_s;
      state.open.reset();
    }
  }
  ++evaluations_;
}

std::optional<double> AlertEvaluator::burnRate(uint64_t window_s) const {
  const size_t index = windowIndex(window_s);
  if (index == windows_.size() || windows_[index].length_s != window_s) {
    return std::nullopt;
  }
  return windows_[index].burn_rate;
}

std::map<std::string, std::vector<double>> AlertEvaluator::burnRateSeries() const {
  std::map<std::string, std::vector<double>> out;
  for (const auto& window : windows_) {
    out.emplace(formatDuration(std::chrono::seconds(window.length_s)), window.series);
  }
  return out;
}

}  // namespace outrider::slo
