// What the canary judge gets from journals: seconds without replies left out, bad requests as
// the availability SLI counts them, SLO events, and percentiles of the merged histograms.
#include "outrider/harness/canary_inputs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "outrider/common/histogram.h"

namespace outrider::harness {
namespace {

using testing::ElementsAre;

// A run whose seconds have these p50s (ms) and replies; latencies recorded in a histogram.
reports::Journal run(std::vector<double> p50, std::vector<double> rps,
                     std::vector<int64_t> latencies_ns) {
  reports::Journal j;
  j.series.p50_ms = p50;
  j.series.p99_ms = p50;
  j.series.rps = rps;
  Histogram h;
  for (int64_t v : latencies_ns) {
    h.record(v);
  }
  h.forEachBucket([&j](int64_t low, int64_t, uint64_t count) {
    j.load.latency_histogram_ns.emplace_back(low, count);
  });
  j.load.scheduled = 1000;
  j.load.failed = 2;
  j.load.timed_out = 1;
  j.load.not_sent = 1;
  j.load.status = {{"2xx", 990}, {"5xx", 6}};
  j.slos.push_back(reports::SloRecord{.name = "availability", .good = 990, .total = 1000});
  return j;
}

TEST(CanaryInputsTest, SecondsWithoutRepliesAreLeftOut) {
  const auto a = run({0, 1.0, 1.2, 0}, {0, 100, 100, 0}, {1'000'000, 2'000'000});
  const auto b = run({1.1, 1.3}, {100, 100}, {3'000'000});
  const auto inputs = canaryInputs(scenarios::defaultCanaryMetrics(), {a}, {b});
  ASSERT_EQ(inputs.series.size(), 2u);
  EXPECT_EQ(inputs.series[0].name, "latency_p50");
  ASSERT_EQ(inputs.series[0].baseline_runs.size(), 1u);
  EXPECT_THAT(inputs.series[0].baseline_runs[0], ElementsAre(1.0, 1.2));
  EXPECT_THAT(inputs.series[0].candidate_runs[0], ElementsAre(1.1, 1.3));
  EXPECT_EQ(inputs.series[0].tolerance.value, 0.10);
  EXPECT_TRUE(inputs.series[0].tolerance.relative);
}

TEST(CanaryInputsTest, MergedPercentilesComeFromEveryRunsHistogram) {
  // Baseline: 1 ms in one run, 2 ms and 3 ms in the other: the merged p50 is 2 ms.
  const auto a1 = run({1}, {1}, {1'000'000});
  const auto a2 = run({1}, {1}, {2'000'000, 3'000'000});
  const auto inputs = canaryInputs(scenarios::defaultCanaryMetrics(), {a1, a2}, {a1, a2});
  ASSERT_TRUE(inputs.series[0].baseline_merged);
  EXPECT_NEAR(*inputs.series[0].baseline_merged, 2.0, 0.01);
  ASSERT_TRUE(inputs.series[1].baseline_merged);
  EXPECT_NEAR(*inputs.series[1].baseline_merged, 3.0, 0.01);
}

TEST(CanaryInputsTest, CountsAreTheAvailabilitySlisBadEvents) {
  const auto a = run({1}, {1}, {1});
  EXPECT_EQ(badRequests(a.load), 10u);  // 2 failed + 1 timed out + 1 not sent + 6 5xx
  // Replies from the wrong service are bad too; one that was also a 5xx counts once.
  auto wrong = a;
  wrong.load.unexpected = 7;
  wrong.load.unexpected_5xx = 2;
  EXPECT_EQ(badRequests(wrong.load), 15u);
  std::vector<scenarios::CanaryMetric> metrics = {
      {"error_rate", scenarios::CanaryMetricKind::ErrorRate, {0.001, false, "0.1%"}},
      {"availability", scenarios::CanaryMetricKind::Slo, {0.002, false, "0.2%"}}};
  const auto inputs = canaryInputs(metrics, {a, a}, {a});
  ASSERT_EQ(inputs.counts.size(), 2u);
  EXPECT_THAT(inputs.counts[0].baseline_bad, ElementsAre(10u, 10u));
  EXPECT_THAT(inputs.counts[0].baseline_total, ElementsAre(1000u, 1000u));
  EXPECT_THAT(inputs.counts[0].candidate_bad, ElementsAre(10u));
  EXPECT_THAT(inputs.counts[1].baseline_bad, ElementsAre(10u, 10u));  // 1000 - 990 good
  EXPECT_EQ(inputs.counts[1].tolerance.value, 0.002);
  EXPECT_TRUE(inputs.series.empty());
}

}  // namespace
}  // namespace outrider::harness
