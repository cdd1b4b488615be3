// The whole judgement path on simulated seconds: a scenario file, a load result with a 60 s
// burst of 503s, the live view fed second by second as a run would feed it, and judgeRun's
// verdict. The live view shows the page in the second it fires, and its alerts are the journal's.

#include "outrider/harness/live_alerts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "outrider/harness/judgement.h"
#include "outrider/scenarios/loader.h"

namespace outrider::harness {
namespace {

using namespace std::chrono_literals;

constexpr const char* ScenarioToml = R"(
[scenario]
name = "burst"
duration = "460s"

[app]
command = ["app"]

[load]
target = "http://127.0.0.1:9/"
rate = 100
warmup = "10s"

[[slo]]
name = "availability"
sli = "availability"
objective = 0.999
)";

scenarios::Scenario loadBurstScenario() {
  auto scenario = scenarios::loadScenario(ScenarioToml, "burst.toml", {});
  EXPECT_TRUE(scenario.has_value());
  return *scenario;
}

// 100 requests a second; every reply of run seconds [burst_from, burst_from + 60) is a 503.
LoadResult burstResult(uint64_t burst_from) {
  LoadResult result;
  result.series.resize(460);
  result.warmup_counts.scheduled = 1000;
  for (uint64_t k = 10; k < 460; ++k) {
    LoadCounts& c = result.series[k].counts;
    c.scheduled = c.sent = c.completed = 100;
    const bool burst = k >= burst_from && k < burst_from + 60;
    (burst ? c.status_5xx : c.status_2xx) = 100;
    result.counts.add(c);
  }
  return result;
}

TEST(LiveAlertsTest, APageFiresFiftyTwoSecondsIntoABurstLiveAndInTheVerdict) {
  const auto scenario = loadBurstScenario();
  const LoadResult result = burstResult(40);
  auto live = LiveAlerts::create(scenario);
  ASSERT_TRUE(live);

  std::vector<std::pair<uint64_t, LiveAlertLine>> shown;  // (second fed, line)
  for (uint64_t k = 0; k < 460; ++k) {
    for (auto& line : live->addSecond(k, eventsForSecond(scenario.slos, result.series[k]))) {
      shown.emplace_back(k, std::move(line));
    }
  }
  // Fired at the end of run second 91, 52 s after the burst began (51.84 s of bad events are
  // needed: 14.4 x 0.001 x 360,000 / 100 per second); shown as that second is fed.
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_EQ(shown[0].first, 91u);
  EXPECT_EQ(shown[0].second.at_s, 92.0);
  EXPECT_EQ(shown[0].second.text, "alert-fired availability page (1h/5m burn rate above 14.4)");
  EXPECT_EQ(shown[1].second.text, "alert-resolved availability page");
  EXPECT_EQ(shown[1].second.at_s, 396.0);
  EXPECT_EQ(shown[1].first, 395u);

  auto judged = judgeRun(scenario, result, {});
  ASSERT_TRUE(judged) << judged.error().message;
  // One engine's judgement, seen twice: the live view's alerts are the journal's.
  const auto live_alerts = live->alerts();
  ASSERT_EQ(judged->alerts.size(), live_alerts.size());
  for (size_t i = 0; i < live_alerts.size(); ++i) {
    EXPECT_EQ(judged->alerts[i].slo, live_alerts[i].slo);
    EXPECT_EQ(judged->alerts[i].severity, live_alerts[i].severity);
    EXPECT_EQ(judged->alerts[i].fired_at_s, live_alerts[i].fired_at_s);
    EXPECT_EQ(judged->alerts[i].resolved_at_s, live_alerts[i].resolved_at_s);
  }
  EXPECT_EQ(judged->alerts[0].fired_at_s - 40, 52);
  ASSERT_EQ(judged->reports.size(), 1u);
  EXPECT_NEAR(judged->reports[0].budget_consumed, 0.0231, 0.0001);
  EXPECT_EQ(judged->reports[0].total, 45000u);
  EXPECT_EQ(judged->reports[0].good, 39000u);
  EXPECT_EQ(judged->judgement.verdict, slo::Verdict::Fail);
  EXPECT_TRUE(live->firing().empty());
}

TEST(LiveAlertsTest, NoBurstNoAlertAndAPass) {
  const auto scenario = loadBurstScenario();
  const LoadResult result = burstResult(10000);
  auto live = LiveAlerts::create(scenario);
  for (uint64_t k = 0; k < 460; ++k) {
    EXPECT_TRUE(live->addSecond(k, eventsForSecond(scenario.slos, result.series[k])).empty());
  }
  auto judged = judgeRun(scenario, result, {});
  ASSERT_TRUE(judged);
  EXPECT_TRUE(judged->alerts.empty());
  EXPECT_EQ(judged->judgement.verdict, slo::Verdict::Pass);
}

TEST(LiveAlertsTest, NothingToJudgeWithoutAnSlo) {
  scenarios::Scenario scenario = loadBurstScenario();
  scenario.slos.clear();
  EXPECT_EQ(LiveAlerts::create(scenario), nullptr);
}

}  // namespace
}  // namespace outrider::harness
