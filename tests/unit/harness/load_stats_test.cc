#include "outrider/harness/load_stats.h"

#include <gtest/gtest.h>

#include <chrono>

namespace outrider::harness {
namespace {

using namespace std::chrono_literals;

TEST(LoadStatsTest, SummaryIsInMilliseconds) {
  // 1..1000 ms recorded in ns read back as ms percentiles.
  Histogram h;
  for (int64_t ms = 1; ms <= 1000; ++ms) {
    h.record(ms * 1'000'000);
  }
  const auto summary = summarizeLatency(h);
  EXPECT_EQ(summary.count, 1000u);
  EXPECT_DOUBLE_EQ(summary.min_ms, 1.0);
  EXPECT_DOUBLE_EQ(summary.max_ms, 1000.0);
  EXPECT_NEAR(summary.mean_ms, 500.5, 1e-9);
  EXPECT_NEAR(summary.p50_ms, 500.0, 0.5);
  EXPECT_NEAR(summary.p90_ms, 900.0, 0.9);
  EXPECT_NEAR(summary.p99_ms, 990.0, 1.0);
  EXPECT_NEAR(summary.p999_ms, 999.0, 1.0);
  EXPECT_GE(summary.p99_ms, 990.0);  // never below the exact percentile
}

TEST(LoadStatsTest, EmptySummaryIsZero) {
  // No replies: every field is 0, not garbage.
  const auto summary = summarizeLatency(Histogram{});
  EXPECT_EQ(summary.count, 0u);
  EXPECT_EQ(summary.p99_ms, 0.0);
  EXPECT_EQ(summary.max_ms, 0.0);
}

TEST(LoadStatsTest, CountsBalanceAndErrors) {
  // The journal's invariants and the availability error count.
  LoadCounts c;
  c.scheduled = 100;
  c.sent = 95;
  c.not_sent = 5;
  c.completed = 90;
  c.failed = 3;
  c.timed_out = 2;
  c.status_2xx = 80;
  c.status_5xx = 10;
  EXPECT_TRUE(c.balanced());
  EXPECT_EQ(c.errors(), 3u + 2u + 5u + 10u);
  LoadCounts twice = c;
  twice.add(c);
  EXPECT_EQ(twice.scheduled, 200u);
  EXPECT_EQ(twice.errors(), 40u);
  EXPECT_TRUE(twice.balanced());
  c.sent = 96;
  EXPECT_FALSE(c.balanced());
}

TEST(LoadStatsTest, AchievedRateIsSentPerSecond) {
  // 27500 sent over 55 s is 500 rps.
  LoadResult result;
  result.counts.sent = 27'500;
  EXPECT_DOUBLE_EQ(result.achievedRate(55s), 500.0);
  EXPECT_EQ(result.achievedRate(0s), 0.0);
}

}  // namespace
}  // namespace outrider::harness
