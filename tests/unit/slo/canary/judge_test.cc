#include "outrider/slo/canary/judge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace outrider::slo::canary {
namespace {

using testing::HasSubstr;

using Runs = std::vector<std::vector<double>>;

class JudgeTest : public testing::Test {
 protected:
  // Per-second values: each run at its level, each second off by a relative normal error.
  Runs runs(const std::vector<double>& levels, int seconds, double second_sd) {
    std::normal_distribution<double> noise(0, second_sd);
    Runs out;
    for (double level : levels) {
      std::vector<double> run;
      for (int s = 0; s < seconds; ++s) {
        run.push_back(level * (1 + noise(rng_)));
      }
      out.push_back(std::move(run));
    }
    return out;
  }

  static SeriesMetricInput series(std::string name, Runs baseline, Runs candidate,
                                  Tolerance tolerance = {0.10, true}) {
    SeriesMetricInput input;
    input.name = std::move(name);
    input.baseline_runs = std::move(baseline);
    input.candidate_runs = std::move(candidate);
    input.tolerance = tolerance;
    return input;
  }

  static CountMetricInput counts(std::vector<uint64_t> baseline_bad,
                                 std::vector<uint64_t> candidate_bad, uint64_t per_run = 10000,
                                 Tolerance tolerance = {0.001, false}) {
    CountMetricInput input;
    input.name = "error_rate";
    input.baseline_total.assign(baseline_bad.size(), per_run);
    input.candidate_total.assign(candidate_bad.size(), per_run);
    input.baseline_bad = std::move(baseline_bad);
    input.candidate_bad = std::move(candidate_bad);
    input.tolerance = tolerance;
    return input;
  }

  // Every number a writer prints is finite, but for the documented +inf of power and change.
  static testing::AssertionResult noNan(const CanaryResult& result) {
    if (std::isnan(result.score)) {
      return testing::AssertionFailure() << "score is NaN";
    }
    for (const auto& m : result.metrics) {
      for (double v :
           {m.baseline, m.candidate, m.change, m.p_value, m.effect_size, m.power, m.dispersion}) {
        if (std::isnan(v)) {
          return testing::AssertionFailure() << m.name << " has a NaN: " << m.explanation;
        }
      }
      if (!std::isfinite(m.baseline) || !std::isfinite(m.candidate) || !std::isfinite(m.p_value) ||
          !std::isfinite(m.effect_size) || m.power < 0 || m.change == -INFINITY) {
        return testing::AssertionFailure() << m.name << " has an unexpected infinity";
      }
    }
    return testing::AssertionSuccess();
  }

  std::mt19937_64 rng_{20240611};
};

// The names canary.json uses.
TEST_F(JudgeTest, Names) {
  EXPECT_EQ(toString(Classification::Pass), "pass");
  EXPECT_EQ(toString(Classification::High), "high");
  EXPECT_EQ(toString(Classification::Low), "low");
  EXPECT_EQ(toString(Verdict::Pass), "pass");
  EXPECT_EQ(toString(Verdict::Marginal), "marginal");
  EXPECT_EQ(toString(Verdict::Fail), "fail");
}

// A significant change beyond the tolerance is High, fails the canary, and says so in one line.
TEST_F(JudgeTest, RegressionBeyondToleranceFails) {
  SeriesMetricInput p99 = series("latency_p99", runs({12.0, 12.1, 12.2, 11.9, 12.05}, 20, 0.01),
                                 runs({15.8, 15.9, 16.0, 15.85, 16.1}, 20, 0.01));
  p99.baseline_merged = 12.1;
  p99.candidate_merged = 15.9;
  const CanaryResult result = judgeCanary({p99}, {});
  ASSERT_EQ(result.metrics.size(), 1u);
  const MetricResult& m = result.metrics[0];
  EXPECT_EQ(m.classification, Classification::High);
  EXPECT_NEAR(m.change, 15.9 / 12.1 - 1, 1e-12);
  EXPECT_NEAR(m.p_value, 2.0 / 252, 1e-12);
  EXPECT_NEAR(m.effect_size, 3.85, 0.2);
  EXPECT_FALSE(m.underpowered);
  EXPECT_EQ(m.test, "mann-whitney exact on run medians");
  EXPECT_EQ(m.explanation,
            "latency_p99 +31% (12.1 ms -> 15.9 ms), p=0.0079, over the 10% tolerance");
  EXPECT_EQ(result.verdict, Verdict::Fail);
  EXPECT_EQ(result.score, 0);
  EXPECT_EQ(result.reasons, std::vector<std::string>{m.explanation});
  EXPECT_TRUE(noNan(result));
}

// Significant but inside the tolerance: a pass, and a trustworthy one when the runs are tight.
TEST_F(JudgeTest, SignificantWithinToleranceIsPass) {
  const CanaryResult result =
      judgeCanary({series("latency_p50", runs({1.00, 1.01, 0.99, 1.0, 1.005}, 20, 0.01),
                          runs({1.05, 1.06, 1.04, 1.05, 1.055}, 20, 0.01))},
                  {});
  const MetricResult& m = result.metrics[0];
  EXPECT_EQ(m.classification, Classification::Pass);
  EXPECT_LE(m.p_value, 0.01);
  EXPECT_FALSE(m.underpowered);
  EXPECT_LT(m.power, 0.10);
  EXPECT_THAT(m.explanation, HasSubstr(", within the 10% tolerance"));
  EXPECT_EQ(result.verdict, Verdict::Pass);
  EXPECT_EQ(result.score, 100);
  EXPECT_TRUE(result.reasons.empty());
}

// An improvement beyond the tolerance is Low: reported, never a failure.
TEST_F(JudgeTest, ImprovementIsLow) {
  const CanaryResult result =
      judgeCanary({series("latency_p99", runs({10, 10.1, 9.9, 10.05, 10}, 20, 0.01),
                          runs({7, 7.1, 6.9, 7.05, 7}, 20, 0.01))},
                  {});
  EXPECT_EQ(result.metrics[0].classification, Classification::Low);
  EXPECT_THAT(result.metrics[0].explanation, HasSubstr("an improvement beyond the 10% tolerance"));
  EXPECT_EQ(result.score, 100);
  EXPECT_EQ(result.verdict, Verdict::Pass);
}

// A change larger than the tolerance that the runs do not back (they overlap) is no failure.
TEST_F(JudgeTest, ChangeWithoutSignificanceIsNotHigh) {
  const CanaryResult result =
      judgeCanary({series("latency_p99", runs({10, 14, 9, 12, 10}, 20, 0.01),
                          runs({13, 11, 15, 9.5, 14}, 20, 0.01))},
                  {});
  const MetricResult& m = result.metrics[0];
  EXPECT_GT(m.change, 0.10);
  EXPECT_GT(m.p_value, 0.01);
  EXPECT_EQ(m.classification, Classification::Pass);
  EXPECT_THAT(m.explanation, HasSubstr("not significant at alpha 0.01"));
  EXPECT_NE(result.verdict, Verdict::Fail);
}

// The merged histogram can disagree with the runs (a few seconds dominate a percentile): with
// the runs higher and the value lower there is no regression to report.
TEST_F(JudgeTest, MergedValueAgainstTheRunsIsPass) {
  SeriesMetricInput p99 = series("latency_p99", runs({10, 10.1, 9.9, 10, 10}, 20, 0.01),
                                 runs({12, 12.1, 11.9, 12, 12}, 20, 0.01));
  p99.baseline_merged = 20;
  p99.candidate_merged = 12;
  const MetricResult m = judgeSeries(p99);
  EXPECT_LE(m.p_value, 0.01);
  EXPECT_EQ(m.classification, Classification::Pass);
  EXPECT_THAT(m.explanation, HasSubstr(", but the runs are higher and the value lower"));
}

// Score: Pass and Low count, High does not (Kayenta's share); any High fails.
TEST_F(JudgeTest, ScoreAndVerdictOverMetrics) {
  const CanaryResult result =
      judgeCanary({series("latency_p50", runs({1, 1.01, 0.99, 1, 1}, 20, 0.01),
                          runs({2, 2.01, 1.99, 2, 2}, 20, 0.01)),
                   series("latency_p99", runs({10, 10.1, 9.9, 10.05, 10}, 20, 0.01),
                          runs({7, 7.1, 6.9, 7.05, 7}, 20, 0.01))},
                  {counts({1, 0, 2, 1, 0}, {0, 1, 1, 2, 0})});
  ASSERT_EQ(result.metrics.size(), 3u);
  EXPECT_EQ(result.metrics[0].classification, Classification::High);
  EXPECT_EQ(result.metrics[1].classification, Classification::Low);
  EXPECT_EQ(result.metrics[2].classification, Classification::Pass);
  EXPECT_NEAR(result.score, 200.0 / 3, 1e-9);
  EXPECT_EQ(result.verdict, Verdict::Fail);
  ASSERT_FALSE(result.reasons.empty());
  EXPECT_THAT(result.reasons[0], HasSubstr("latency_p50 +"));
  EXPECT_THAT(result.reasons[0], HasSubstr("over the 10% tolerance"));
  EXPECT_TRUE(noNan(result));
}

// Issue 11's third point: few seconds per run, or runs that scatter widely, cannot show that a
// real +5% change is within a 10% tolerance. The change goes undetected, and the verdict says
// "marginal", not "pass".
TEST_F(JudgeTest, FewSecondsOrHugeSpreadIsMarginalNotPass) {
  // 3 seconds a run with a 40% per-second spread.
  const CanaryResult few = judgeCanary({series("latency_p50", runs({1, 1, 1, 1, 1}, 3, 0.4),
                                               runs({1.05, 1.05, 1.05, 1.05, 1.05}, 3, 0.4))},
                                       {});
  EXPECT_EQ(few.metrics[0].classification, Classification::Pass);
  EXPECT_TRUE(few.metrics[0].underpowered);
  EXPECT_GT(few.metrics[0].power, 0.10);
  EXPECT_EQ(few.verdict, Verdict::Marginal);
  ASSERT_EQ(few.reasons.size(), 1u);
  EXPECT_THAT(few.reasons[0], HasSubstr("latency_p50"));
  EXPECT_THAT(few.reasons[0],
              HasSubstr("% or more is detectable (80% power), above the 10% tolerance"));

  // Runs 20% apart from each other (a busy machine), 20 s each.
  const CanaryResult spread =
      judgeCanary({series("latency_p99", runs({10, 12, 8.5, 11, 9.3}, 20, 0.05),
                          runs({10.5, 12.6, 8.9, 11.5, 9.8}, 20, 0.05))},
                  {});
  EXPECT_TRUE(spread.metrics[0].underpowered);
  EXPECT_EQ(spread.verdict, Verdict::Marginal);

  // The same +5% from tight 20 s runs is a trustworthy pass.
  const CanaryResult tight =
      judgeCanary({series("latency_p50", runs({1, 1.01, 0.99, 1.0, 1.005}, 20, 0.05),
                          runs({1.05, 1.06, 1.04, 1.05, 1.055}, 20, 0.05))},
                  {});
  EXPECT_FALSE(tight.metrics[0].underpowered);
  EXPECT_EQ(tight.verdict, Verdict::Pass);
}

// Sparse errors are judged by their counts (kayenta#426 compared mostly-zero ratios and passed):
// 9 errors in 50,000 against none is significant (Fisher: p = 0.0039), and High once the
// tolerance is below it; 15 are many enough for the z test.
TEST_F(JudgeTest, SparseErrorsAreCounted) {
  const MetricResult within = judgeCounts(counts({0, 0, 0, 0, 0}, {2, 2, 2, 1, 2}));
  EXPECT_EQ(within.test, "fisher exact");
  EXPECT_NEAR(within.p_value, 0.0039048438835945936, 1e-10);
  EXPECT_EQ(within.classification, Classification::Pass);
  EXPECT_THAT(within.explanation, HasSubstr("within the 0.1% tolerance"));
  const MetricResult tight =
      judgeCounts(counts({0, 0, 0, 0, 0}, {2, 2, 2, 1, 2}, 10000, Tolerance{0.0001, false}));
  EXPECT_EQ(tight.classification, Classification::High);
  const MetricResult more = judgeCounts(counts({0, 0, 0, 0, 0}, {3, 3, 4, 2, 3}));
  EXPECT_EQ(more.test, "two-proportion z");
  EXPECT_LT(more.p_value, 0.001);
}

// +0.5% errors in every run: High, in the tolerance's terms.
TEST_F(JudgeTest, ConsistentErrorIncreaseFails) {
  const CanaryResult result = judgeCanary({}, {counts({1, 0, 2, 1, 1}, {52, 48, 55, 50, 46})});
  const MetricResult& m = result.metrics[0];
  EXPECT_EQ(m.classification, Classification::High);
  EXPECT_EQ(m.test, "two-proportion z");
  EXPECT_NEAR(m.change, (251.0 - 5.0) / 50000, 1e-12);
  EXPECT_EQ(m.explanation, "error_rate +0.49% (0.01% -> 0.5%), p<0.0001, over the 0.1% tolerance");
  EXPECT_EQ(result.verdict, Verdict::Fail);
}

// One run's burst is overdispersion, not a consistent regression: the counts are divided by the
// runs' dispersion, the burst alone is not significant, and the runs cannot vouch for a pass.
TEST_F(JudgeTest, BurstInOneRunIsOverdispersed) {
  const MetricResult burst = judgeCounts(counts({0, 0, 0, 0, 0}, {0, 0, 0, 0, 400}));
  EXPECT_GT(burst.dispersion, 100);
  EXPECT_GT(burst.p_value, 0.01);
  EXPECT_EQ(burst.classification, Classification::Pass);
  EXPECT_TRUE(burst.underpowered);
  EXPECT_THAT(burst.test, HasSubstr("dispersion"));
  // Spread over every run, the same 400 errors are a regression.
  const MetricResult spread = judgeCounts(counts({0, 0, 0, 0, 0}, {78, 82, 80, 79, 81}));
  EXPECT_EQ(spread.dispersion, 1);
  EXPECT_EQ(spread.classification, Classification::High);
}

// A relative tolerance on error_rate works too; over a baseline of 0 the change is +inf.
TEST_F(JudgeTest, RelativeCountTolerance) {
  const MetricResult relative =
      judgeCounts(counts({10, 12, 9, 11, 10}, {30, 28, 33, 29, 31}, 10000, Tolerance{0.5, true}));
  EXPECT_EQ(relative.classification, Classification::High);
  EXPECT_NEAR(relative.change, 151.0 / 52 - 1, 1e-12);
  const MetricResult from_zero =
      judgeCounts(counts({0, 0, 0, 0, 0}, {30, 28, 33, 29, 31}, 10000, Tolerance{0.5, true}));
  EXPECT_EQ(from_zero.change, INFINITY);
  EXPECT_EQ(from_zero.classification, Classification::High);
  EXPECT_THAT(from_zero.explanation, HasSubstr("error_rate up from 0"));
}

// Degenerate inputs: no runs, empty or non-finite runs, no events, identical values, unequal run
// counts, mismatched count vectors, no metrics. Never a crash or a NaN; a clear reason each.
TEST_F(JudgeTest, NoRunsIsAnUntrustedPass) {
  const CanaryResult result = judgeCanary({series("latency_p99", {}, {})}, {});
  const MetricResult& m = result.metrics[0];
  EXPECT_EQ(m.classification, Classification::Pass);
  EXPECT_TRUE(m.underpowered);
  EXPECT_EQ(m.power, INFINITY);
  EXPECT_EQ(m.explanation,
            "latency_p99: no per-second values from the baseline's runs, nothing to judge");
  EXPECT_EQ(result.verdict, Verdict::Marginal);
  EXPECT_EQ(result.reasons, std::vector<std::string>{m.explanation});
  EXPECT_TRUE(noNan(result));
}

TEST_F(JudgeTest, EmptyAndNonFiniteRunsAreLeftOut) {
  Runs baseline = runs({1, 1, 1, 1, 1}, 20, 0.01);
  baseline[1].clear();
  baseline[3].assign(5, NAN);
  Runs candidate = runs({1, 1, 1, 1, 1}, 20, 0.01);
  candidate[0].push_back(INFINITY);
  const CanaryResult result = judgeCanary({series("latency_p50", baseline, candidate)}, {});
  const MetricResult& m = result.metrics[0];
  EXPECT_EQ(m.baseline_runs, 3u);
  EXPECT_EQ(m.candidate_runs, 5u);
  EXPECT_THAT(result.reasons,
              testing::Contains("latency_p50: baseline run 2 had no finite value: left out"));
  EXPECT_THAT(
      result.reasons,
      testing::Contains("latency_p50: 3 baseline runs against 5 candidate runs: judged unpaired"));
  EXPECT_TRUE(noNan(result));
  const CanaryResult no_candidate =
      judgeCanary({series("latency_p50", baseline, Runs{{NAN}, {}})}, {});
  EXPECT_THAT(no_candidate.metrics[0].explanation,
              HasSubstr("no per-second values from the candidate's runs"));
  EXPECT_TRUE(noNan(no_candidate));
}

// 4 baseline runs against 5 can never reach p = 0.01 (best 2/126): judged, but marginal.
TEST_F(JudgeTest, UnequalRunCountsAreJudgedUnpaired) {
  const CanaryResult result = judgeCanary({series("latency_p99", runs({10, 10, 10, 10}, 20, 0.01),
                                                  runs({20, 20, 20, 20, 20}, 20, 0.01))},
                                          {});
  const MetricResult& m = result.metrics[0];
  EXPECT_NEAR(m.p_value, 2.0 / 126, 1e-12);
  EXPECT_EQ(m.classification, Classification::Pass);
  EXPECT_EQ(m.power, INFINITY);
  EXPECT_THAT(m.explanation,
              HasSubstr("no change is detectable from 4 baseline and 5 candidate runs"));
  EXPECT_EQ(result.verdict, Verdict::Marginal);
  EXPECT_THAT(result.reasons, testing::Contains(HasSubstr("judged unpaired")));
}

TEST_F(JudgeTest, IdenticalAndConstantValues) {
  const Runs ones(5, std::vector<double>(20, 1.0));
  const CanaryResult same = judgeCanary({series("latency_p50", ones, ones)}, {});
  EXPECT_EQ(same.metrics[0].p_value, 1);
  EXPECT_EQ(same.metrics[0].change, 0);
  EXPECT_EQ(same.metrics[0].power, 0);  // no noise at all: any change would show
  EXPECT_EQ(same.verdict, Verdict::Pass);
  const Runs twos(5, std::vector<double>(20, 2.0));
  const CanaryResult doubled = judgeCanary({series("latency_p50", ones, twos)}, {});
  EXPECT_EQ(doubled.metrics[0].classification, Classification::High);
  EXPECT_TRUE(noNan(same));
  EXPECT_TRUE(noNan(doubled));
  // A baseline of 0 ms: a relative change is +inf, and no relative power exists.
  const Runs zeros(5, std::vector<double>(20, 0.0));
  const CanaryResult from_zero = judgeCanary({series("latency_p50", zeros, ones)}, {});
  EXPECT_EQ(from_zero.metrics[0].change, INFINITY);
  EXPECT_EQ(from_zero.metrics[0].power, INFINITY);
  EXPECT_TRUE(noNan(from_zero));
}

TEST_F(JudgeTest, CountsWithoutEvents) {
  const CanaryResult none = judgeCanary({}, {counts({0, 0, 0}, {0, 0, 0}, 0)});
  EXPECT_THAT(none.metrics[0].explanation,
              HasSubstr("error_rate: no events in the baseline's runs, nothing to judge"));
  EXPECT_EQ(none.verdict, Verdict::Marginal);
  EXPECT_TRUE(noNan(none));
  // No errors anywhere: a pass, with the power 50,000 requests a side give.
  const CanaryResult clean = judgeCanary({}, {counts({0, 0, 0, 0, 0}, {0, 0, 0, 0, 0})});
  EXPECT_EQ(clean.metrics[0].p_value, 1);
  EXPECT_NEAR(clean.metrics[0].power, 0.000234, 0.00001);
  EXPECT_EQ(clean.verdict, Verdict::Pass);
  EXPECT_TRUE(noNan(clean));
}

TEST_F(JudgeTest, MalformedCountsAreLeftOut) {
  CountMetricInput input = counts({1, 2, 3}, {1, 2, 3});
  input.baseline_total.pop_back();
  input.candidate_bad[1] = 20000;  // more bad than events
  input.candidate_total[2] = 0;
  const CanaryResult result = judgeCanary({}, {input});
  EXPECT_THAT(result.reasons, testing::Contains("error_rate: baseline has 3 bad counts for 2 "
                                                "totals: the runs past the shorter left out"));
  EXPECT_THAT(
      result.reasons,
      testing::Contains("error_rate: candidate run 2 counted 20000 bad of 10000 events: left out"));
  EXPECT_THAT(result.reasons,
              testing::Contains("error_rate: candidate run 3 had no events: left out"));
  EXPECT_EQ(result.metrics[0].baseline_runs, 2u);
  EXPECT_EQ(result.metrics[0].candidate_runs, 1u);
  EXPECT_TRUE(noNan(result));
}

TEST_F(JudgeTest, NoMetricsIsMarginal) {
  const CanaryResult result = judgeCanary({}, {});
  EXPECT_EQ(result.verdict, Verdict::Marginal);
  EXPECT_EQ(result.score, 100);
  EXPECT_EQ(result.reasons, std::vector<std::string>{"no metric to judge"});
}

// A zero tolerance makes every pass underpowered (no sample proves a change of exactly zero),
// while a significant regression still fails.
TEST_F(JudgeTest, ZeroTolerance) {
  const CanaryResult result =
      judgeCanary({series("latency_p50", runs({1, 1.01, 0.99, 1, 1}, 20, 0.01),
                          runs({1, 1.01, 0.99, 1, 1}, 20, 0.01), Tolerance{0, true})},
                  {});
  EXPECT_TRUE(result.metrics[0].underpowered);
  EXPECT_EQ(result.verdict, Verdict::Marginal);
}

// Absolute series tolerances are in ms, and say so.
TEST_F(JudgeTest, AbsoluteSeriesTolerance) {
  SeriesMetricInput input = series("latency_p99", runs({10, 10.1, 9.9, 10, 10}, 20, 0.01),
                                   runs({13, 13.1, 12.9, 13, 13}, 20, 0.01), Tolerance{2, false});
  input.baseline_merged = 10;
  input.candidate_merged = 13;
  const MetricResult m = judgeSeries(input);
  EXPECT_EQ(m.classification, Classification::High);
  EXPECT_EQ(m.change, 3);
  EXPECT_THAT(m.explanation, HasSubstr("latency_p99 +3 ms (10 ms -> 13 ms), p=0.0079"));
  EXPECT_THAT(m.explanation, HasSubstr("over the 2 ms tolerance"));
}

}  // namespace
}  // namespace outrider::slo::canary
