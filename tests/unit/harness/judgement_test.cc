// judgeRun with ratio SLIs: the per-second events from a process's metrics go through the same
// SLO engine as the load's, with the same burn rates, alerts, budget and verdict.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "outrider/harness/judgement.h"
#include "outrider/scenarios/loader.h"

namespace outrider::harness {
namespace {

using testing::HasSubstr;

// 75 s, a 5 s warmup at 100 req/s, availability and the same objective as a ratio of the
// proxy's counters (the integration game day gd-burn-page, as data).
scenarios::Scenario scenario() {
  auto loaded = scenarios::loadScenario(R"([scenario]
name = "t"
duration = "75s"
[app]
command = ["app"]
[[sidecar]]
name = "proxy"
command = ["proxy"]
metrics = "http://127.0.0.1:9/metrics"
[load]
target = "http://127.0.0.1:8/"
rate = 100
warmup = "5s"
[[slo]]
name = "availability"
sli = "availability"
objective = 0.999
[[slo]]
name = "proxy"
sli = "ratio"
objective = 0.999
source = "proxy"
total = "outrider_proxy_requests_total"
bad = 'outrider_proxy_requests_total{code="5xx"}'
)",
                                        "t.toml", scenarios::LoadOptions{});
  EXPECT_TRUE(loaded);
  return loaded ? *loaded : scenarios::Scenario{};
}

// 100 requests a second, all bad in [10 s, 70 s): what the load generator would measure.
LoadResult load() {
  LoadResult result;
  result.warmup_counts.scheduled = 500;
  for (int k = 0; k < 75; ++k) {
    LoadSecond second;
    if (k >= 5) {
      second.counts.scheduled = 100;
      second.counts.sent = 100;
      second.counts.completed = 100;
      second.counts.status_5xx = k >= 10 && k < 70 ? 100 : 0;
      second.counts.status_2xx = 100 - second.counts.status_5xx;
    }
    result.series.push_back(std::move(second));
  }
  return result;
}

// The proxy's counters as RatioSli would give them: the same requests, second by second.
RatioSeconds ratioLikeLoad(std::vector<size_t> gaps = {}) {
  std::vector<std::optional<slo::EventCounts>> seconds;
  for (size_t k = 0; k < 75; ++k) {
    const bool bad = k >= 10 && k < 70;
    seconds.push_back(slo::EventCounts{bad ? 0u : 100u, 100});
  }
  for (size_t k : gaps) {
    seconds[k] = std::nullopt;
  }
  return RatioSeconds{{"proxy", seconds}};
}

// The same events give the same SLI, budget, page time and verdict as the availability SLO: the
// workbook page 52 s after the burst began, 2.31% of the 30-day budget.
TEST(JudgementTest, RatioSloJudgedLikeAvailability) {
  auto judged = judgeRun(scenario(), load(), {}, ratioLikeLoad());
  ASSERT_TRUE(judged) << judged.error().message;
  ASSERT_EQ(judged->reports.size(), 2u);
  const auto& availability = judged->reports[0];
  const auto& ratio = judged->reports[1];
  EXPECT_EQ(ratio.total, availability.total);
  EXPECT_EQ(ratio.good, availability.good);
  EXPECT_NEAR(ratio.budget_consumed, 0.0231, 0.0001);
  EXPECT_DOUBLE_EQ(ratio.budget_consumed, availability.budget_consumed);
  std::vector<double> ratio_pages;
  std::vector<double> availability_pages;
  for (const auto& alert : judged->alerts) {
    if (alert.severity == "page" && alert.long_s == 3600) {
      (alert.slo == "proxy" ? ratio_pages : availability_pages).push_back(alert.fired_at_s);
    }
  }
  ASSERT_EQ(ratio_pages.size(), 1u);
  EXPECT_EQ(ratio_pages, availability_pages);
  EXPECT_NEAR(ratio_pages[0] - 10.0, 52.0, 1.0);
  EXPECT_EQ(judged->judgement.verdict, slo::Verdict::Fail);
  EXPECT_EQ(judged->burn_rate.at("proxy").at("5m"), judged->burn_rate.at("availability").at("5m"));
}

// Gap seconds hold no events: neither good nor bad, and the SLI comes from the others.
TEST(JudgementTest, GapSecondsHoldNoEvents) {
  auto judged = judgeRun(scenario(), load(), {}, ratioLikeLoad({20, 21, 22, 74}));
  ASSERT_TRUE(judged) << judged.error().message;
  const auto& ratio = judged->reports[1];
  EXPECT_EQ(ratio.total, 7000u - 400u);
  EXPECT_EQ(ratio.good, 1000u - 100u);  // second 74, good, is a gap
}

// A ratio SLO whose metrics were never read makes the run invalid, never a pass.
TEST(JudgementTest, UnreadRatioSloIsInvalid) {
  auto judged = judgeRun(scenario(), load(), {});
  ASSERT_TRUE(judged) << judged.error().message;
  EXPECT_EQ(judged->judgement.verdict, slo::Verdict::Invalid);
  EXPECT_THAT(judged->judgement.reasons,
              testing::Contains(HasSubstr("the metrics of proxy were never read")));
}

// history = "clean" fills a ratio SLO's windows at the rate its own warmup seconds counted.
TEST(JudgementTest, RatioWarmupRateSkipsGaps) {
  std::vector<std::optional<slo::EventCounts>> seconds = {
      slo::EventCounts{10, 10}, std::nullopt, slo::EventCounts{20, 30}, slo::EventCounts{5, 5}};
  EXPECT_DOUBLE_EQ(ratioWarmupRate(seconds, 3.5), 20.0);
  EXPECT_DOUBLE_EQ(ratioWarmupRate(seconds, 0), 0.0);
  EXPECT_DOUBLE_EQ(ratioWarmupRate({std::nullopt}, 1), 0.0);
}

// bad_status: the 401s a credential-less app answers are bad for the SLO that lists them and
// good for the one that does not; latency SLIs leave them out of their good events the same way.
TEST(JudgementTest, BadStatusCountsTheListedCodes) {
  auto loaded = scenarios::loadScenario(R"([scenario]
name = "t"
duration = "10s"
[app]
command = ["app"]
[load]
target = "http://127.0.0.1:8/"
rate = 100
[[slo]]
name = "plain"
sli = "availability"
objective = 0.99
[[slo]]
name = "auth"
sli = "availability"
objective = 0.99
bad_status = ["5xx", 401]
[[slo]]
name = "client-errors"
sli = "availability"
objective = 0.99
bad_status = ["5xx", "4xx"]
[[slo]]
name = "fast-and-authorised"
sli = "latency"
objective = 0.99
threshold = "100ms"
bad_status = ["5xx", 401]
)",
                                        "t.toml", scenarios::LoadOptions{});
  ASSERT_TRUE(loaded);
  const StatusGroups groups = StatusGroups::fromSlos(loaded->slos);
  ASSERT_EQ(groups.size(), 2u);  // 401, then the rest of 4xx
  EXPECT_EQ(groups.groupOf(401), 0);
  EXPECT_EQ(groups.groupOf(404), 1);
  EXPECT_EQ(groups.groupOf(503), -1);
  EXPECT_EQ(groups.groupOf(200), -1);

  // 100 requests: 60 ok at 10 ms, 30 answered 401 at 1 ms, 5 answered 404, 5 answered 503.
  LoadSecond second;
  second.counts.scheduled = 100;
  second.counts.completed = 100;
  second.counts.status_5xx = 5;
  second.group_counts = {30, 5};
  second.group_latency.resize(2);
  for (int i = 0; i < 60; ++i) {
    second.ok_latency.record(10'000'000);
  }
  for (int i = 0; i < 30; ++i) {
    second.group_latency[0].record(1'000'000);
  }
  for (int i = 0; i < 5; ++i) {
    second.group_latency[1].record(1'000'000);
  }
  const auto events = eventsForSecond(loaded->slos, second);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].good, 95u);  // plain: only the 503s are bad
  EXPECT_EQ(events[1].good, 65u);  // auth: 401s and 503s
  EXPECT_EQ(events[2].good, 60u);  // client-errors: every 4xx and the 503s
  EXPECT_EQ(events[3].good, 65u);  // fast and not 401: the ok replies and the 404s
  for (const auto& event : events) {
    EXPECT_EQ(event.total, 100u);
  }
}

// Unexpected replies ([load] expect) are bad for availability and latency alike; a 5xx that was
// also unexpected is bad once.
TEST(JudgementTest, UnexpectedRepliesAreBadForEverySli) {
  auto loaded = scenarios::loadScenario(R"([scenario]
name = "t"
duration = "10s"
[app]
command = ["app"]
[load]
target = "http://127.0.0.1:8/"
rate = 100
[load.expect]
headers = {"X-Served-By" = "app"}
[[slo]]
name = "available"
sli = "availability"
objective = 0.99
[[slo]]
name = "fast"
sli = "latency"
objective = 0.99
threshold = "100ms"
)",
                                        "t.toml", scenarios::LoadOptions{});
  ASSERT_TRUE(loaded);
  // 100 replies at 1 ms: 50 expected, 40 unexpected 200s, 10 unexpected 503s.
  LoadSecond second;
  second.counts.scheduled = 100;
  second.counts.completed = 100;
  second.counts.status_5xx = 10;
  second.counts.unexpected = 50;
  second.counts.unexpected_5xx = 10;
  for (int i = 0; i < 50; ++i) {
    second.ok_latency.record(1'000'000);  // the generator records only the expected ones here
  }
  const auto events = eventsForSecond(loaded->slos, second);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].good, 50u);
  EXPECT_EQ(events[1].good, 50u);
}

}  // namespace
}  // namespace outrider::harness

namespace outrider::harness {
namespace {

// The proxy's uptime: ready before the run, down from 20.5 s to 22.0 s after t0.
scenarios::Scenario uptimeScenario() {
  auto loaded = scenarios::loadScenario(R"([scenario]
name = "t"
duration = "75s"
[app]
command = ["app"]
[[sidecar]]
name = "proxy"
command = ["proxy"]
[load]
target = "http://127.0.0.1:8/"
rate = 100
warmup = "5s"
[[slo]]
name = "proxy-up"
sli = "uptime"
objective = 0.99
source = "proxy"
)",
                                        "t.toml", scenarios::LoadOptions{});
  EXPECT_TRUE(loaded);
  return loaded ? *loaded : scenarios::Scenario{};
}

ProcessRecord proxyRecord(MonotonicTime t0, bool killed) {
  ProcessRecord record;
  record.name = "proxy";
  record.ready_at.push_back(t0 - std::chrono::seconds(1));
  if (killed) {
    record.not_ready_at.push_back(t0 + std::chrono::milliseconds(20500));
    record.ready_at.push_back(t0 + std::chrono::milliseconds(22000));
  }
  return record;
}

TEST(JudgementTest, UptimeOfAProcessReadyThroughoutIsOne) {
  const MonotonicTime t0 = MonotonicTime{} + std::chrono::seconds(100);
  const auto scenario = uptimeScenario();
  auto judged = judgeRun(scenario, load(), {},
                         uptimeSeconds(scenario.slos, {proxyRecord(t0, false)}, t0, 75));
  ASSERT_TRUE(judged) << judged.error().message;
  ASSERT_EQ(judged->reports.size(), 1u);
  EXPECT_DOUBLE_EQ(judged->reports[0].measured, 1.0);
  EXPECT_EQ(judged->reports[0].total, 70u * 1000u);  // the measured seconds, in milliseconds
  EXPECT_EQ(judged->judgement.verdict, slo::Verdict::Pass);
}

// 1.5 s down in a 70 s measured span: 1 - 1.5 / 70, below 0.99, and its budget burns.
TEST(JudgementTest, UptimeDropsByTheTimeDown) {
  const MonotonicTime t0 = MonotonicTime{} + std::chrono::seconds(100);
  const auto scenario = uptimeScenario();
  auto judged =
      judgeRun(scenario, load(), {}, uptimeSeconds(scenario.slos, {proxyRecord(t0, true)}, t0, 75));
  ASSERT_TRUE(judged) << judged.error().message;
  EXPECT_EQ(judged->reports[0].total - judged->reports[0].good, 1500u);
  EXPECT_DOUBLE_EQ(judged->reports[0].measured, 1.0 - 1.5 / 70.0);
  EXPECT_EQ(judged->judgement.verdict, slo::Verdict::Fail);
  EXPECT_GT(judged->burn_rate.at("proxy-up").at("5m")[21], 0.0);
}

TEST(JudgementTest, UptimeWithoutAReadinessRecordIsInvalid) {
  const MonotonicTime t0 = MonotonicTime{} + std::chrono::seconds(100);
  const auto scenario = uptimeScenario();
  auto judged = judgeRun(scenario, load(), {}, uptimeSeconds(scenario.slos, {}, t0, 75));
  ASSERT_TRUE(judged) << judged.error().message;
  EXPECT_EQ(judged->judgement.verdict, slo::Verdict::Invalid);
  EXPECT_THAT(judged->judgement.reasons,
              testing::Contains(HasSubstr("no readiness of proxy was recorded")));
}

}  // namespace
}  // namespace outrider::harness
