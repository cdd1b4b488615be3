#include "outrider/slo/engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace outrider::slo {
namespace {

using scenarios::AlertHistory;
using scenarios::AlertPolicy;
using scenarios::FindingKind;
using scenarios::SliKind;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

class SloEngineTest : public testing::Test {
 protected:
  static scenarios::Slo makeSlo(std::string name, double objective,
                                SliKind sli = SliKind::Availability) {
    scenarios::Slo slo;
    slo.name = std::move(name);
    slo.sli = sli;
    slo.objective = objective;
    return slo;  // period: the default 30d
  }

  static scenarios::Alerting workbook(AlertHistory history) {
    scenarios::Alerting alerting;
    alerting.policy = AlertPolicy::SreWorkbook;
    alerting.history = history;
    alerting.rules = scenarios::sreWorkbookRules();  // as the loader fills it
    return alerting;
  }

  static std::unique_ptr<SloEngine> makeEngine(const std::vector<scenarios::Slo>& slos,
                                               const scenarios::Alerting& alerting,
                                               const EngineOptions& options) {
    auto engine = SloEngine::create(slos, alerting, options);
    EXPECT_TRUE(engine.has_value()) << (engine ? "" : engine.error().message);
    return engine ? std::move(*engine) : nullptr;
  }

  // The acceptance scenario: 100 req/s after a 10 s warmup at 100 req/s, objective 0.999, every
  // request failing for 60 s from run time 40 s (measured seconds 30..89), 450 measured seconds.
  static std::unique_ptr<SloEngine> runOutage(AlertHistory history) {
    EngineOptions options;
    options.first_measured_s = 10;
    options.warmup_rate = 100;
    auto engine = makeEngine({makeSlo("availability", 0.999)}, workbook(history), options);
    for (uint64_t k = 0; k < 450; ++k) {
      const bool failing = k >= 30 && k < 90;
      const EventCounts second{failing ? 0u : 100u, 100};
      engine->addSecond(std::span(&second, 1));
    }
    return engine;
  }
};

// The acceptance test: with a clean history, a total outage pages 52 s after it starts,
// resolves when the 5m window recovers, and burns 2.31% of the 30d budget.
TEST_F(SloEngineTest, TotalOutagePagesAfterFiftyTwoSeconds) {
  // Fire time: the 1h window always holds 3600 s x 100 = 360,000 events (own seconds plus the
  // clean history before measured second 0). After j failing seconds 100 j are bad, and the page
  // needs a bad ratio above 14.4 x 0.001 = 0.0144: 100 j > 5184, j > 51.84. The 52nd failing
  // second is measured second 81, evaluated at its end: t = 10 + 81 + 1 = 92 = 40 + 52. The 5m
  // window is then 5,200 / 30,000 bad (burn rate 173). No other rule fires: the 6000 bad events
  // burn 6000 / 2.16 M / 0.001 = 2.8 < 6 over 6h, 0.69 < 3 over 1d and 0.23 < 1 over 3d.
  //
  // Resolution: the 1h window holds all 6000 bad (burn 16.7) until long after the run, so the
  // short window decides. Once the failures start leaving it, the 5m window (30,000 events) holds
  // 100 x (89 - (k - 299) + 1) bad at measured second k, at or below 14.4 x 0.001 x 30,000 = 432
  // from 4 failing seconds left: k = 385, t = 10 + 385 + 1 = 396 = 40 + 356.
  //
  // Budget: 6000 bad of 45,000 events over a 450 s measured span of a 30 d (2,592,000 s) period:
  // (6000 / 45,000) x (450 / 2,592,000) / 0.001 = 0.02315. At a constant rate the span cancels:
  // it is the 60 s of outage over the 0.001 x 30 d budget, 60 / 2592.
  const auto engine = runOutage(AlertHistory::Clean);
  const auto alerts = engine->alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].slo, "availability");
  EXPECT_EQ(alerts[0].severity, "page");
  EXPECT_EQ(alerts[0].long_s, 3600);
  EXPECT_EQ(alerts[0].short_s, 300);
  EXPECT_EQ(alerts[0].factor, 14.4);
  EXPECT_NEAR(alerts[0].fired_at_s - 40, 52, 2);
  EXPECT_EQ(alerts[0].fired_at_s, 92);
  EXPECT_EQ(alerts[0].resolved_at_s, 396);

  const auto reports = engine->reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].total, 45000u);
  EXPECT_EQ(reports[0].good, 39000u);
  EXPECT_EQ(reports[0].measured_span_s, 450);
  EXPECT_EQ(reports[0].period_s, 2592000);
  EXPECT_NEAR(reports[0].budget_consumed, 0.0231, 0.001);
  EXPECT_NEAR(reports[0].budget_consumed, 60.0 / 2592.0, 1e-9);
  EXPECT_FALSE(reports[0].met);

  // The 1h burn rate crosses 14.4 exactly at the firing evaluation (index 81).
  const auto series = engine->burnRateSeries().at("availability");
  EXPECT_LE(series.at("1h").at(80), 14.4);
  EXPECT_NEAR(series.at("1h").at(81), 5200.0 / 360000 / 0.001, 1e-6);

  const Judgement judgement = engine->judge(scenarios::Gate{});
  EXPECT_EQ(judgement.verdict, Verdict::Fail);
  ASSERT_EQ(judgement.findings.size(), 2u);
  EXPECT_EQ(judgement.findings[0].kind, FindingKind::Objective);
  EXPECT_EQ(judgement.findings[0].detail, "0.867 < 0.999");
  EXPECT_EQ(judgement.findings[1].kind, FindingKind::Page);
  EXPECT_EQ(judgement.findings[1].detail, "1h/5m burn rate above 14.4 at 92s");
}

// With history = none the windows hold only the run's own 31 s at the first bad second, 3.2% bad:
// every rule fires at once, at the end of that second.
TEST_F(SloEngineTest, NoHistoryFiresAtOnce) {
  const auto engine = runOutage(AlertHistory::None);
  const auto alerts = engine->alerts();
  ASSERT_EQ(alerts.size(), 4u);
  for (const auto& alert : alerts) {
    EXPECT_EQ(alert.fired_at_s, 41) << alert.severity << " " << alert.long_s;
  }
  EXPECT_NEAR(engine->burnRateSeries().at("availability").at("1h").at(30), 100.0 / 3100 / 0.001,
              1e-6);
  // The budget does not depend on the history.
  EXPECT_NEAR(engine->reports()[0].budget_consumed, 60.0 / 2592.0, 1e-9);
}

// A clean run raises no alert, spends no budget and passes.
TEST_F(SloEngineTest, NoBadEventsPass) {
  EngineOptions options;
  options.first_measured_s = 5;
  options.configured_rate = 100;  // no warmup rate observed: the configured rate fills history
  auto engine =
      makeEngine({makeSlo("availability", 0.999)}, workbook(AlertHistory::Clean), options);
  for (int k = 0; k < 600; ++k) {
    const EventCounts second{100, 100};
    engine->addSecond(std::span(&second, 1));
  }
  EXPECT_TRUE(engine->alerts().empty());
  const auto report = engine->reports().at(0);
  EXPECT_EQ(report.budget_consumed, 0);
  EXPECT_EQ(report.measured, 1);
  EXPECT_TRUE(report.met);
  const Judgement judgement = engine->judge(scenarios::Gate{});
  EXPECT_EQ(judgement.verdict, Verdict::Pass);
  EXPECT_TRUE(judgement.findings.empty());
  EXPECT_EQ(exitCodeFor(judgement.verdict), 0);
}

// A latency SLO is counted from the per-second good counts it is given, independently of the
// availability SLO fed alongside.
TEST_F(SloEngineTest, LatencySloFromGoodCounts) {
  scenarios::Slo latency = makeSlo("latency", 0.99, SliKind::Latency);
  latency.threshold = milliseconds(100);
  auto engine = makeEngine({makeSlo("availability", 0.999), latency}, workbook(AlertHistory::Clean),
                           EngineOptions{0, 100, {}, 0, true});
  for (int k = 0; k < 10; ++k) {
    // 100 requests a second, all available; 812 of the 1000 under the threshold.
    const std::vector<EventCounts> second = {{100, 100}, {k < 8 ? 81u : 82u, 100}};
    engine->addSecond(second);
  }
  const auto reports = engine->reports();
  EXPECT_EQ(reports[0].measured, 1);
  EXPECT_EQ(reports[1].sli, SliKind::Latency);
  EXPECT_EQ(reports[1].good, 812u);
  EXPECT_EQ(reports[1].total, 1000u);
  EXPECT_DOUBLE_EQ(reports[1].measured, 0.812);
  EXPECT_FALSE(reports[1].met);
  const Judgement judgement = engine->judge(scenarios::Gate{});
  EXPECT_EQ(judgement.verdict, Verdict::Fail);
  ASSERT_EQ(judgement.findings.size(), 1u);
  EXPECT_EQ(judgement.findings[0].slo, "latency");
  EXPECT_EQ(judgement.findings[0].detail, "0.812 < 0.99");
  ASSERT_EQ(judgement.slos.size(), 2u);
  EXPECT_EQ(judgement.slos[0].verdict, Verdict::Pass);
  EXPECT_EQ(judgement.slos[1].verdict, Verdict::Fail);
}

// Explicit rules replace the table; per-SLO warmup rates override the shared one.
TEST_F(SloEngineTest, ExplicitRules) {
  scenarios::Alerting alerting;
  alerting.policy = AlertPolicy::Rules;
  alerting.history = AlertHistory::Clean;
  alerting.rules = {{"ticket", minutes(10), minutes(1), 2.0}};
  EngineOptions options;
  options.warmup_rate = 1000;
  options.warmup_rate_by_slo = {{"errors", 10}};
  auto engine = makeEngine({makeSlo("errors", 0.99, SliKind::Ratio)}, alerting, options);
  EXPECT_EQ(engine->evaluator(0).history().rate(), 10);
  // 10 events/s, 20% bad from second 0: the 10m window (6000 events with history) passes 2%
  // bad after 61 s, the 1m one at once: fires at t = 61.
  for (int k = 0; k < 100; ++k) {
    const EventCounts second{8, 10};
    engine->addSecond(std::span(&second, 1));
  }
  const auto alerts = engine->alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, "ticket");
  EXPECT_EQ(alerts[0].fired_at_s, 61);
  EXPECT_EQ(engine->burnRateSeries().at("errors").size(), 2u);
}

// Policy "rules" with no rules raises nothing; the sre-workbook policy with none gets the table.
TEST_F(SloEngineTest, EmptyRules) {
  scenarios::Alerting none;
  none.policy = AlertPolicy::Rules;
  auto quiet = makeEngine({makeSlo("a", 0.999)}, none, EngineOptions{});
  EXPECT_TRUE(quiet->burnRateSeries().at("a").empty());
  scenarios::Alerting table;  // sre-workbook, rules left empty
  auto full = makeEngine({makeSlo("a", 0.999)}, table, EngineOptions{});
  const auto windows = full->burnRateSeries().at("a");
  std::vector<std::string> keys;
  for (const auto& [key, values] : windows) {
    keys.push_back(key);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"1d", "1h", "2h", "30m", "3d", "5m", "6h"}));
}

// Everything the arithmetic cannot take is reported at once.
TEST_F(SloEngineTest, RejectsInvalidInput) {
  scenarios::Slo bad_objective = makeSlo("a", 1.0);
  scenarios::Alerting alerting;
  alerting.policy = AlertPolicy::Rules;
  alerting.rules = {{"warn", milliseconds(1500), minutes(0), 0.0}};
  const auto engine = SloEngine::create({bad_objective}, alerting, EngineOptions{});
  ASSERT_FALSE(engine.has_value());
  EXPECT_EQ(engine.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(engine.error().message,
            "slo[a].objective: expected a ratio in (0, 1), got 1\n"
            "alerting.rule[0].severity: expected page or ticket, got 'warn'\n"
            "alerting.rule[0].long: expected whole seconds of at least 1s, got 1500ms\n"
            "alerting.rule[0].short: expected whole seconds of at least 1s, got 0s\n"
            "alerting.rule[0].factor: expected a number > 0, got 0");
}

// A page factor that needs more than 100% bad events is flagged.
TEST_F(SloEngineTest, WarnsAboutRulesThatCannotFire) {
  auto engine = makeEngine({makeSlo("loose", 0.9)}, workbook(AlertHistory::Clean), EngineOptions{});
  ASSERT_EQ(engine->warnings().size(), 1u);
  EXPECT_EQ(engine->warnings()[0],
            "slo loose: the page rule 1h/5m can never fire: 14.4 x (1 - 0.9) >= 1");
}

// Feeding the wrong number of SLOs is a caller's bug.
TEST_F(SloEngineTest, AddSecondChecksSize) {
  auto engine = makeEngine({makeSlo("a", 0.999)}, workbook(AlertHistory::Clean), EngineOptions{});
  const std::vector<EventCounts> two = {{1, 1}, {1, 1}};
  EXPECT_THROW(engine->addSecond(two), std::invalid_argument);
}

// A loaded scenario's warmup and rate become the time offset and the history's fallback rate.
TEST_F(SloEngineTest, OptionsForScenario) {
  scenarios::Scenario scenario;
  scenario.load = scenarios::Load{};
  scenario.load->warmup = std::chrono::seconds(5);
  scenario.load->rate = 500;
  const EngineOptions options = SloEngine::optionsFor(scenario, 480);
  EXPECT_EQ(options.first_measured_s, 5);
  EXPECT_EQ(options.configured_rate, 500);
  EXPECT_EQ(options.warmup_rate, 480);
}

// Past the 3d window the ring wraps: a steady 0.05% bad ratio burns at exactly 0.5 everywhere.
TEST_F(SloEngineTest, SteadyBurnAfterWrapAround) {
  EngineOptions options;
  options.warmup_rate = 2000;
  options.record_burn_rates = false;
  auto engine = makeEngine({makeSlo("a", 0.999)}, workbook(AlertHistory::Clean), options);
  const EventCounts second{1999, 2000};
  for (int k = 0; k < 4 * 86400; ++k) {
    engine->addSecond(std::span(&second, 1));
  }
  const auto& alerting = engine->evaluator(0).alerting();
  for (const uint64_t window : {300u, 3600u, 21600u, 86400u, 259200u}) {
    EXPECT_NEAR(*alerting.burnRate(window), 0.5, 1e-9) << window;
  }
  EXPECT_TRUE(engine->alerts().empty());
  EXPECT_EQ(engine->evaluator(0).series().totals().total, 2000u * 4 * 86400);
}

}  // namespace
}  // namespace outrider::slo
