#include "outrider/slo/canary/proportion_tests.h"

#include <gtest/gtest.h>

namespace outrider::slo::canary {
namespace {

// Fisher's lady tasting tea, {{3, 1}, {1, 3}}: one-sided p = 17/70 = 0.2429, two-sided 0.4857
// (R: fisher.test(TeaTasting, alternative = "greater") and the default two-sided).
TEST(ProportionTestsTest, FisherTeaTasting) {
  const FisherExact tea = fisherExact(3, 1, 1, 3);
  EXPECT_NEAR(tea.p_greater, 17.0 / 70, 1e-12);
  EXPECT_NEAR(tea.p_two_sided, 34.0 / 70, 1e-12);
  EXPECT_NEAR(tea.p_less, 69.0 / 70, 1e-12);
}

// R's ?fisher.test Convictions table {{2, 15}, {10, 3}}: alternative = "less" gives p = 0.0004652
// (exact rational sums in Python: 0.000465181, two-sided 0.000536724).
TEST(ProportionTestsTest, FisherConvictions) {
  const FisherExact convictions = fisherExact(2, 15, 10, 3);
  EXPECT_NEAR(convictions.p_less, 0.00046518094336290503, 1e-15);
  EXPECT_NEAR(convictions.p_two_sided, 0.0005367241191434358, 1e-15);
}

// Rare events in big totals, the canary's case (exact rationals in Python): 9 errors in 50,000
// against none, and 3 in 10,000 against none.
TEST(ProportionTestsTest, FisherRareEvents) {
  // lgamma of 10^5 carries ~1e-11 relative error into the weights.
  EXPECT_NEAR(fisherExact(0, 50000, 9, 49991).p_two_sided, 0.0039048438835945936, 1e-10);
  EXPECT_NEAR(fisherExact(3, 9997, 0, 10000).p_two_sided, 0.24996249812490626, 1e-10);
  EXPECT_EQ(fisherExact(0, 100, 0, 100).p_two_sided, 1);
  EXPECT_EQ(fisherExact(0, 0, 0, 0).p_two_sided, 1);
}

// prop.test(c(15, 25), c(50, 50), correct = FALSE): X-squared = 4.1667 = z^2, p = 0.04123.
TEST(ProportionTestsTest, TwoProportionZMatchesPropTest) {
  const ProportionZ test = twoProportionZ(25, 50, 15, 50);
  EXPECT_NEAR(test.z * test.z, 4.1666666666666667, 1e-12);
  EXPECT_GT(test.z, 0);
  EXPECT_NEAR(test.p_value, 0.04122683333, 1e-9);
}

// No variance or no totals: z = 0, p = 1.
TEST(ProportionTestsTest, TwoProportionZDegenerate) {
  EXPECT_EQ(twoProportionZ(0, 100, 0, 100).p_value, 1);
  EXPECT_EQ(twoProportionZ(100, 100, 100, 100).p_value, 1);
  EXPECT_EQ(twoProportionZ(0, 0, 3, 100).p_value, 1);
  EXPECT_EQ(twoProportionZ(0, 0, 3, 100).z, 0);
}

}  // namespace
}  // namespace outrider::slo::canary
