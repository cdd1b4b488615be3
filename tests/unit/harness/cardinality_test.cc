#include "outrider/harness/cardinality.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace outrider::harness {
namespace {

using testing::HasSubstr;
using testing::Not;

std::vector<std::optional<uint64_t>> flood(uint64_t start, uint64_t per_second, size_t seconds) {
  std::vector<std::optional<uint64_t>> counts;
  for (size_t i = 0; i < seconds; ++i) {
    counts.push_back(start + per_second * i);
  }
  return counts;
}

scenarios::Gate gateWith(std::optional<uint64_t> max_series, std::optional<double> growth_per_s,
                         bool fail_on) {
  scenarios::Gate gate;
  gate.max_series = max_series;
  gate.max_series_growth_per_s = growth_per_s;
  gate.max_series_growth = growth_per_s ? "100/min" : "";
  if (fail_on) {
    gate.fail_on.push_back(scenarios::FindingKind::Cardinality);
  }
  return gate;
}

TEST(CardinalityTest, TrendHasTheFirstThePeakAndTheSlope) {
  auto counts = flood(200, 50, 20);
  counts[4] = std::nullopt;  // a failed scrape is a gap, not a zero
  const std::vector<uint32_t> incarnation(counts.size(), 1);
  const SeriesTrend trend = seriesTrend(counts, incarnation, 2);
  EXPECT_EQ(trend.first, 300u);
  EXPECT_EQ(trend.peak, 200u + 50 * 19);
  EXPECT_EQ(trend.peak_second, 20u);
  ASSERT_TRUE(trend.growth_per_s);
  EXPECT_DOUBLE_EQ(*trend.growth_per_s, 50.0);
}

TEST(CardinalityTest, AFlatCountHasNoGrowth) {
  const std::vector<std::optional<uint64_t>> counts(30, 180);
  const std::vector<uint32_t> incarnation(counts.size(), 1);
  const SeriesTrend trend = seriesTrend(counts, incarnation, 0);
  EXPECT_DOUBLE_EQ(*trend.growth_per_s, 0.0);
  EXPECT_FALSE(cardinalityFinding(gateWith(2000, 100.0 / 60, true), "proxy", trend));
}

TEST(CardinalityTest, ARestartIsNoShrink) {
  // 20/s for 8 s, a restart empties the registry, then 20/s again from the baseline.
  auto counts = flood(100, 20, 8);
  auto again = flood(100, 20, 8);
  counts.insert(counts.end(), again.begin(), again.end());
  std::vector<uint32_t> incarnation(8, 1);
  incarnation.resize(16, 2);
  const SeriesTrend trend = seriesTrend(counts, incarnation, 0);
  EXPECT_DOUBLE_EQ(*trend.growth_per_s, 20.0);
}

TEST(CardinalityTest, PeakOverMaxSeriesIsAFindingThatFailsWhenListed) {
  const auto counts = flood(100, 500, 10);  // 4600 at the end
  const std::vector<uint32_t> incarnation(counts.size(), 1);
  const SeriesTrend trend = seriesTrend(counts, incarnation, 0);
  auto finding = cardinalityFinding(gateWith(2000, std::nullopt, true), "proxy", trend);
  ASSERT_TRUE(finding);
  EXPECT_EQ(finding->kind, scenarios::FindingKind::Cardinality);
  EXPECT_TRUE(finding->fails);
  EXPECT_EQ(finding->detail, "proxy: 4600 series at 10s > max_series 2000 (from 100 at the start)");
  auto listed_only = cardinalityFinding(gateWith(2000, std::nullopt, false), "proxy", trend);
  ASSERT_TRUE(listed_only);
  EXPECT_FALSE(listed_only->fails);
}

TEST(CardinalityTest, GrowthOverTheLimitNamesBoth) {
  const auto counts = flood(100, 500, 10);
  const std::vector<uint32_t> incarnation(counts.size(), 1);
  auto finding = cardinalityFinding(gateWith(2000, 100.0 / 60, true), "proxy",
                                    seriesTrend(counts, incarnation, 0));
  ASSERT_TRUE(finding);
  EXPECT_THAT(finding->detail, HasSubstr("max_series 2000"));
  EXPECT_THAT(finding->detail, HasSubstr("series grew 500.0/s (30000/min) > 100/min"));
}

TEST(CardinalityTest, WithinTheLimitsOrWithoutThemNothing) {
  const auto counts = flood(100, 1, 10);  // 60/min, 109 at most
  const std::vector<uint32_t> incarnation(counts.size(), 1);
  const SeriesTrend trend = seriesTrend(counts, incarnation, 0);
  EXPECT_FALSE(cardinalityFinding(gateWith(2000, 100.0 / 60, true), "proxy", trend));
  EXPECT_FALSE(cardinalityFinding(gateWith(std::nullopt, std::nullopt, true), "proxy",
                                  seriesTrend(flood(100, 500, 10), incarnation, 0)));
}

}  // namespace
}  // namespace outrider::harness
