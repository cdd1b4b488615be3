#include "outrider/slo/engine.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>

#include "number_text.h"
#include "outrider/common/units.h"
#include "outrider/slo/history.h"

namespace outrider::slo {
namespace {

using std::chrono::nanoseconds;

bool wholeSecondsAtLeastOne(nanoseconds d) {
  return d >= std::chrono::seconds(1) && d.count() % 1'000'000'000 == 0;
}

void checkRule(const scenarios::AlertRule& rule, size_t index, std::vector<std::string>& problems) {
  const std::string where = "alerting.rule[" + std::to_string(index) + "]";
  if (rule.severity != "page" && rule.severity != "ticket") {
    problems.push_back(where + ".severity: expected page or ticket, got '" + rule.severity + "'");
  }
  if (!wholeSecondsAtLeastOne(rule.long_window)) {
    problems.push_back(where + ".long: expected whole seconds of at least 1s, got " +
                       formatDuration(rule.long_window));
  }
  if (!wholeSecondsAtLeastOne(rule.short_window)) {
    problems.push_back(where + ".short: expected whole seconds of at least 1s, got " +
                       formatDuration(rule.short_window));
  }
  if (!(rule.factor > 0)) {
    problems.push_back(where + ".factor: expected a number > 0, got " + formatNumber(rule.factor));
  }
}

void checkSlo(const scenarios::Slo& slo, std::vector<std::string>& problems) {
  const std::string where = "slo[" + slo.name + "]";
  if (!(slo.objective > 0 && slo.objective < 1)) {
    problems.push_back(where + ".objective: expected a ratio in (0, 1), got " +
                       formatNumber(slo.objective));
  }
  if (slo.period <= nanoseconds::zero()) {
    problems.push_back(where + ".period: expected a positive duration, got " +
                       formatDuration(slo.period));
  }
}

}  // namespace

Result<std::unique_ptr<SloEngine>> SloEngine::create(const std::vector<scenarios::Slo>& slos,
                                                     const scenarios::Alerting& alerting,
                                                     const EngineOptions& options) {
  std::vector<scenarios::AlertRule> rules = alerting.rules;
  if (rules.empty() && alerting.policy == scenarios::AlertPolicy::SreWorkbook) {
    rules = scenarios::sreWorkbookRules();
  }
  std::vector<std::string> problems;
  for (const auto& slo : slos) {
    checkSlo(slo, problems);
  }
  for (size_t i = 0; i < rules.size(); ++i) {
    checkRule(rules[i], i, problems);
  }
  if (!problems.empty()) {
    std::string message;
    for (const auto& problem : problems) {
      message += (message.empty() ? "" : "\n") + problem;
    }
    return makeError(ErrorCode::InvalidArgument, message);
  }

  std::unique_ptr<SloEngine> engine(new SloEngine());
  engine->evaluators_.reserve(slos.size());
  for (const auto& slo : slos) {
    const auto rate = options.warmup_rate_by_slo.find(slo.name);
    const double warmup_rate =
        rate == options.warmup_rate_by_slo.end() ? options.warmup_rate : rate->second;
    engine->evaluators_.emplace_back(
        slo, rules, History::forScenario(alerting.history, warmup_rate, options.configured_rate),
        options.first_measured_s, options.record_burn_rates);
    for (const auto& rule : rules) {
      // Burn rate factor means a bad ratio of factor x (1 - objective), impossible from 1 on.
      if (rule.factor * (1 - slo.objective) >= 1) {
        engine->warnings_.push_back("slo " + slo.name + ": the " + rule.severity + " rule " +
                                    formatDuration(rule.long_window) + "/" +
                                    formatDuration(rule.short_window) +
                                    " can never fire: " + formatNumber(rule.factor) + " x (1 - " +
                                    formatNumber(slo.objective) + ") >= 1");
      }
    }
  }
  return engine;
}

Result<std::unique_ptr<SloEngine>> SloEngine::create(const scenarios::Scenario& scenario,
                                                     const EngineOptions& options) {
  return create(scenario.slos, scenario.alerting, options);
}

EngineOptions SloEngine::optionsFor(const scenarios::Scenario& scenario, double warmup_rate) {
  EngineOptions options;
  options.warmup_rate = warmup_rate;
  if (scenario.load) {
    options.first_measured_s = toSeconds(scenario.load->warmup);
    options.configured_rate = scenario.load->rate;
  }
  return options;
}

void SloEngine::addSecond(std::span<const EventCounts> per_slo) {
  if (per_slo.size() != evaluators_.size()) {
    throw std::invalid_argument("SloEngine::addSecond: " + std::to_string(per_slo.size()) +
                                " counts for " + std::to_string(evaluators_.size()) + " SLOs");
  }
  for (size_t i = 0; i < evaluators_.size(); ++i) {
    evaluators_[i].addSecond(per_slo[i]);
  }
  ++seconds_;
}

const SloEvaluator* SloEngine::find(std::string_view name) const {
  for (const auto& evaluator : evaluators_) {
    if (evaluator.slo().name == name) {
      return &evaluator;
    }
  }
  return nullptr;
}

std::vector<SloReport> SloEngine::reports() const {
  std::vector<SloReport> out;
  out.reserve(evaluators_.size());
  for (const auto& evaluator : evaluators_) {
    out.push_back(evaluator.report());
  }
  return out;
}

std::vector<AlertRecord> SloEngine::alerts() const {
  std::vector<AlertRecord> out;
  for (const auto& evaluator : evaluators_) {
    const auto& alerts = evaluator.alerting().alerts();
    out.insert(out.end(), alerts.begin(), alerts.end());
  }
  std::stable_sort(out.begin(), out.end(), [](const AlertRecord& a, const AlertRecord& b) {
    return a.fired_at_s < b.fired_at_s;
  });
  return out;
}

std::map<std::string, std::map<std::string, std::vector<double>>> SloEngine::burnRateSeries()
    const {
  std::map<std::string, std::map<std::string, std::vector<double>>> out;
  for (const auto& evaluator : evaluators_) {
    out.emplace(evaluator.slo().name, evaluator.alerting().burnRateSeries());
  }
  return out;
}

Judgement SloEngine::judge(const scenarios::Gate& gate,
                           std::vector<std::string> invalid_reasons) const {
  return slo::judge(reports(), alerts(), gate, std::move(invalid_reasons));
}

}  // namespace outrider::slo
