#include "outrider/slo/canary/mann_whitney.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace outrider::slo::canary {
namespace {

// R's ?wilcox.test example (Hollander & Wolfe): wilcox.test(x, y, alternative = "greater") prints
// W = 35, p-value = 0.1272, so the exact two-sided p is 0.2544 (checked by enumerating all 3003
// splits in Python: 0.254412...).
const std::vector<double> X = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
const std::vector<double> Y = {1.15, 0.88, 0.90, 0.74, 1.21};

TEST(MannWhitneyTest, ExactMatchesR) {
  const MannWhitney test = mannWhitney(X, Y);
  EXPECT_TRUE(test.exact);
  EXPECT_EQ(test.u, 35);
  EXPECT_NEAR(test.p_value, 0.2544122544122544, 1e-12);
  // Swapping the samples mirrors U and keeps p.
  const MannWhitney swapped = mannWhitney(Y, X);
  EXPECT_EQ(swapped.u, 50 - 35);
  EXPECT_NEAR(swapped.p_value, test.p_value, 1e-12);
}

// The normal approximation with continuity correction, wilcox.test(x, y, exact = FALSE): R's
// formula (stats/R/wilcox.test.R) evaluated in Python gives z = 1.16351, p = 0.244624.
TEST(MannWhitneyTest, NormalMatchesR) {
  const MannWhitney test = mannWhitney(X, Y, MannWhitneyMethod::Normal);
  EXPECT_FALSE(test.exact);
  EXPECT_NEAR(test.z, 1.1635076278220096, 1e-12);
  EXPECT_NEAR(test.p_value, 0.24462360512698345, 1e-12);
}

// Ties: mid-ranks and the tie-corrected variance of R's formula (evaluated in Python: W = 34.5,
// p = 0.190249; R itself falls back to it with a warning), and the exact permutation law of the
// mid-rank sum, by enumerating all 3003 splits in Python: 0.181152.
TEST(MannWhitneyTest, TiesNormalAndExact) {
  const std::vector<double> a = {1.5, 2, 2, 3, 4, 4, 4, 6};
  const std::vector<double> b = {1, 1.5, 2, 3, 3, 3.5};
  const MannWhitney normal = mannWhitney(a, b, MannWhitneyMethod::Normal);
  EXPECT_EQ(normal.u, 34.5);
  EXPECT_NEAR(normal.z, 1.3098420799889596, 1e-12);
  EXPECT_NEAR(normal.p_value, 0.19024926443331536, 1e-12);
  const MannWhitney exact = mannWhitney(a, b);
  EXPECT_TRUE(exact.exact);
  EXPECT_NEAR(exact.p_value, 0.18115218115218115, 1e-12);
}

// Kayenta's spinnaker#6278 case (7 of 10 points 100x worse), as Kayenta calls R's test
// (exact = FALSE): R's formula in Python gives W = 85, p = 0.001617.
TEST(MannWhitneyTest, KayentaSevenOfTenWorse) {
  std::vector<double> e(7, 100.0);
  e.insert(e.end(), 3, 1.0);
  const std::vector<double> c(10, 1.0);
  const MannWhitney test = mannWhitney(e, c, MannWhitneyMethod::Normal);
  EXPECT_EQ(test.u, 85);
  EXPECT_NEAR(test.p_value, 0.001616772830620672, 1e-12);
}

// Complete separation of 5 runs against 5: 2 / C(10, 5) = 2/252, the smallest p of 5 pairs.
TEST(MannWhitneyTest, CompleteSeparationOfFivePairs) {
  const MannWhitney test =
      mannWhitney(std::vector<double>{6, 7, 8, 9, 10}, std::vector<double>{1, 2, 3, 4, 5});
  EXPECT_EQ(test.u, 25);
  EXPECT_NEAR(test.p_value, 2.0 / 252, 1e-15);
  // Tied within each side, the separation is as strong; R's normal fallback would say 0.0122.
  const MannWhitney tied =
      mannWhitney(std::vector<double>{2, 2, 2, 2, 2}, std::vector<double>{1, 1, 1, 1, 1});
  EXPECT_NEAR(tied.p_value, 2.0 / 252, 1e-15);
}

// Nothing to rank apart: p = 1, never NaN.
TEST(MannWhitneyTest, DegenerateSamples) {
  EXPECT_EQ(mannWhitney({}, Y).p_value, 1);
  EXPECT_EQ(mannWhitney(X, {}).p_value, 1);
  const MannWhitney equal = mannWhitney(std::vector<double>(4, 3.0), std::vector<double>(6, 3.0));
  EXPECT_EQ(equal.p_value, 1);
  EXPECT_EQ(equal.z, 0);
  EXPECT_EQ(equal.u, 12);
  const MannWhitney with_nan = mannWhitney(std::vector<double>{NAN, 2, 3}, std::vector<double>{1});
  EXPECT_EQ(with_nan.u, 2);
  EXPECT_EQ(mannWhitney(std::vector<double>{NAN}, std::vector<double>{1}).p_value, 1);
}

// The exact test's rejection region: 5 against 5 at 0.01 is complete separation only; 4 against 4
// can never reach 0.01 (2/70); 10 against 10 rejects at U <= 16 (all 184756 splits enumerated in
// Python: attained 0.00893); 3 against 7 at 0.05 at U <= 1.
TEST(MannWhitneyTest, ExactRejectionRegion) {
  const auto five = mannWhitneyExactRejection(5, 5, 0.01);
  ASSERT_TRUE(five);
  EXPECT_EQ(five->lower, 0u);
  EXPECT_NEAR(five->attained_alpha, 2.0 / 252, 1e-15);
  EXPECT_FALSE(mannWhitneyExactRejection(4, 4, 0.01));
  EXPECT_FALSE(mannWhitneyExactRejection(0, 4, 0.01));
  const auto ten = mannWhitneyExactRejection(10, 10, 0.01);
  ASSERT_TRUE(ten);
  EXPECT_EQ(ten->lower, 16u);
  EXPECT_LE(ten->attained_alpha, 0.01);
  // Unequal sizes: the region is U's, whichever side is smaller.
  const auto uneven = mannWhitneyExactRejection(3, 7, 0.05);
  const auto mirrored = mannWhitneyExactRejection(7, 3, 0.05);
  ASSERT_TRUE(uneven && mirrored);
  EXPECT_EQ(uneven->lower, 1u);
  EXPECT_EQ(mirrored->lower, 1u);
  EXPECT_NEAR(uneven->attained_alpha, 2.0 / 60, 1e-15);
}

}  // namespace
}  // namespace outrider::slo::canary
