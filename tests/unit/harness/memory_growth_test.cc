#include "outrider/harness/memory_growth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace outrider::harness {
namespace {

using testing::HasSubstr;

constexpr double MiB = 1024.0 * 1024.0;

TEST(MemoryGrowthTest, SlopeOfALineIsItsSlope) {
  // bytes = 100 + 3t.
  EXPECT_DOUBLE_EQ(*leastSquaresSlope({{0, 100}, {1, 103}, {2, 106}, {3, 109}}), 3.0);
  EXPECT_DOUBLE_EQ(*leastSquaresSlope({{1, 50}, {2, 50}, {3, 50}}), 0.0);
}

TEST(MemoryGrowthTest, SlopeOfNoisyPointsIsTheLeastSquaresOne) {
  // Known answer: x = 0..4, y = 1, 3, 2, 5, 4 -> slope 0.8 (sxy 8 / sxx 10).
  EXPECT_DOUBLE_EQ(*leastSquaresSlope({{0, 1}, {1, 3}, {2, 2}, {3, 5}, {4, 4}}), 0.8);
}

TEST(MemoryGrowthTest, NoSlopeFromTooFewOrSimultaneousPoints) {
  EXPECT_FALSE(leastSquaresSlope({}));
  EXPECT_FALSE(leastSquaresSlope({{1, 5}}));
  EXPECT_FALSE(leastSquaresSlope({{2, 5}, {2, 9}}));
}

TEST(MemoryGrowthTest, LargeValuesKeepTheirSlope) {
  // 10 GiB plus 4 MiB/s: raw sums of squares would lose it.
  std::vector<MemoryPoint> points;
  for (int t = 0; t < 20; ++t) {
    points.push_back({static_cast<double>(t), 10 * 1024 * MiB + 4 * MiB * t});
  }
  EXPECT_NEAR(*leastSquaresSlope(points), 4 * MiB, 1e-3);
}

TEST(MemoryGrowthTest, FitsTheMeasuredSpanOnly) {
  // A start-up climb of 1 MB/s in the warmup (seconds 0..3), flat afterwards.
  std::vector<std::optional<uint64_t>> memory = {1000000, 2000000, 3000000, 4000000, 4000000,
                                                 4000000, 4000000, 4000000, 4000000, 4000000};
  std::vector<uint32_t> incarnation(memory.size(), 1);
  EXPECT_DOUBLE_EQ(*memoryGrowth(memory, incarnation, 3), 0.0);
  EXPECT_GT(*memoryGrowth(memory, incarnation, 0), 0.0);
}

TEST(MemoryGrowthTest, SamplesFromEndOnAreLeftOut) {
  // 100 B/s, then the last sample drops (the fault's allocator freed after the load ended).
  std::vector<std::optional<uint64_t>> memory = {100, 200, 300, 400, 500, 600, 0};
  std::vector<uint32_t> incarnation(memory.size(), 1);
  EXPECT_DOUBLE_EQ(*memoryGrowth(memory, incarnation, 0, 6), 100.0);
  EXPECT_LT(*memoryGrowth(memory, incarnation, 0), 100.0);
}

TEST(MemoryGrowthTest, ARestartIsFittedPerIncarnationAndTheSteepestCounts) {
  // First incarnation grows 10 B/s for 6 s, is killed, is down for 2 s, then the second one grows
  // 2 B/s from a lower baseline: one line through both would read the drop as no growth at all.
  std::vector<std::optional<uint64_t>> memory;
  std::vector<uint32_t> incarnation;
  for (int i = 0; i < 6; ++i) {
    memory.push_back(1000 + 10 * i);
    incarnation.push_back(1);
  }
  memory.push_back(std::nullopt);
  memory.push_back(std::nullopt);
  incarnation.push_back(1);
  incarnation.push_back(2);
  for (int i = 0; i < 6; ++i) {
    memory.push_back(500 + 2 * i);
    incarnation.push_back(2);
  }
  EXPECT_DOUBLE_EQ(*memoryGrowth(memory, incarnation, 0), 10.0);
}

TEST(MemoryGrowthTest, AnIncarnationWithTooFewSamplesIsLeftOut) {
  std::vector<std::optional<uint64_t>> memory = {100, 200, 300, 10, 10, 10, 10, 10};
  std::vector<uint32_t> incarnation = {1, 1, 1, 2, 2, 2, 2, 2};
  EXPECT_DOUBLE_EQ(*memoryGrowth(memory, incarnation, 0), 0.0);
  EXPECT_FALSE(memoryGrowth({100, 200, 300}, {1, 1, 1}, 0));
  EXPECT_FALSE(memoryGrowth({}, {}, 0));
}

scenarios::Gate gateAt(const std::string& text, double bytes_per_s, bool fail_on_leak) {
  scenarios::Gate gate;
  gate.max_memory_growth = text;
  gate.max_memory_growth_bytes_per_s = bytes_per_s;
  if (fail_on_leak) {
    gate.fail_on.push_back(scenarios::FindingKind::Leak);
  }
  return gate;
}

TEST(MemoryGrowthTest, LeakFindingNamesTheProcessAndItsSlope) {
  const auto gate = gateAt("20MiB/min", 20 * MiB / 60, true);
  auto finding = leakFinding(gate, "proxy", 4 * MiB);
  ASSERT_TRUE(finding);
  EXPECT_EQ(finding->kind, scenarios::FindingKind::Leak);
  EXPECT_TRUE(finding->fails);
  EXPECT_EQ(finding->detail, "proxy: memory grew 4.00 MiB/s (240.0 MiB/min) > 20MiB/min");
  EXPECT_FALSE(leakFinding(gate, "proxy", 20 * MiB / 60));  // at the limit is within it
  EXPECT_FALSE(leakFinding(gate, "proxy", 0.1 * MiB));
  EXPECT_FALSE(leakFinding(gate, "proxy", std::nullopt));
  EXPECT_FALSE(leakFinding(scenarios::Gate{}, "proxy", 4 * MiB));
  auto listed_only = leakFinding(gateAt("20MiB/min", 20 * MiB / 60, false), "app", 4 * MiB);
  ASSERT_TRUE(listed_only);
  EXPECT_FALSE(listed_only->fails);
  EXPECT_THAT(listed_only->detail, HasSubstr("app: "));
}

TEST(MemoryGrowthTest, AFailingRunFindingFailsAPassingRun) {
  slo::Judgement judgement;
  slo::addRunFinding(judgement, slo::Finding{scenarios::FindingKind::Leak, "", "x", false});
  EXPECT_EQ(judgement.verdict, slo::Verdict::Pass);
  slo::addRunFinding(judgement, slo::Finding{scenarios::FindingKind::Leak, "", "y", true});
  EXPECT_EQ(judgement.verdict, slo::Verdict::Fail);
  EXPECT_EQ(judgement.findings.size(), 2u);
  slo::Judgement invalid;
  invalid.verdict = slo::Verdict::Invalid;
  slo::addRunFinding(invalid, slo::Finding{scenarios::FindingKind::Leak, "", "z", true});
  EXPECT_EQ(invalid.verdict, slo::Verdict::Invalid);
}

}  // namespace
}  // namespace outrider::harness
