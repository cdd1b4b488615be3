#include "outrider/slo/canary/distributions.h"

#include <gtest/gtest.h>

#include <cmath>

namespace outrider::slo::canary {
namespace {

// AS241 against Python's statistics.NormalDist().inv_cdf (the same algorithm; R's qnorm too) and
// the textbook 1.959964 / 2.575829.
TEST(DistributionsTest, NormalQuantileKnownValues) {
  EXPECT_NEAR(normalQuantile(0.975), 1.9599639845400536, 1e-15);
  EXPECT_NEAR(normalQuantile(0.995), 2.5758293035489, 1e-14);
  EXPECT_NEAR(normalQuantile(0.8), 0.8416212335729144, 1e-15);
  EXPECT_EQ(normalQuantile(0.5), 0.0);
  EXPECT_NEAR(normalQuantile(0.02425), -1.9729610513118845, 1e-14);  // the tail branch
  EXPECT_NEAR(normalQuantile(1e-10), -6.361340902404056, 1e-12);
  EXPECT_NEAR(normalQuantile(1e-300), -37.0470962993612, 1e-10);  // beyond exp(-25)
}

// The edges are infinities, outside [0, 1] NaN: callers see what they asked for.
TEST(DistributionsTest, NormalQuantileEdges) {
  EXPECT_EQ(normalQuantile(0), -INFINITY);
  EXPECT_EQ(normalQuantile(1), INFINITY);
  EXPECT_TRUE(std::isnan(normalQuantile(1.5)));
  EXPECT_TRUE(std::isnan(normalQuantile(NAN)));
}

// The quantile inverts the CDF, and the upper tail keeps its precision where 1 - cdf has none.
TEST(DistributionsTest, NormalCdfRoundTripsAndTails) {
  for (double p : {1e-8, 0.001, 0.1, 0.3, 0.5, 0.7, 0.95, 0.999}) {
    EXPECT_NEAR(normalCdf(normalQuantile(p)), p, 1e-13 + 1e-12 * p) << p;
  }
  EXPECT_NEAR(normalUpperTail(1.959963984540054), 0.025, 1e-15);
  EXPECT_NEAR(normalUpperTail(10) / 7.619853024160527e-24, 1.0, 1e-12);  // R: pnorm(10, lower=F)
}

// Student's t against the printed tables (R: qt, pt; the 0.8 and -1.5 points by integrating the
// density numerically).
TEST(DistributionsTest, StudentTKnownValues) {
  EXPECT_NEAR(studentTQuantile(0.975, 10), 2.228138852, 1e-8);
  EXPECT_NEAR(studentTQuantile(0.995, 4), 4.604094871, 1e-8);
  EXPECT_NEAR(studentTQuantile(0.995, 3), 5.840909309, 1e-8);
  EXPECT_NEAR(studentTQuantile(0.8, 8), 0.8888895178, 1e-8);
  EXPECT_NEAR(studentTQuantile(0.975, 30), 2.042272456, 1e-8);
  EXPECT_NEAR(studentTQuantile(0.975, 1), 12.70620474, 1e-7);
  EXPECT_NEAR(studentTQuantile(0.975, 2), 4.30265273, 1e-7);
  EXPECT_NEAR(studentTQuantile(0.025, 10), -2.228138852, 1e-8);
  EXPECT_NEAR(studentTCdf(2, 5), 0.9490302605, 1e-9);
  EXPECT_NEAR(studentTCdf(1, 1), 0.75, 1e-15);
  EXPECT_NEAR(studentTCdf(-1.5, 6), 0.0921403681, 1e-9);
  // Far out, from a poorer Cornish-Fisher start (df 3's closed-form CDF, bisected in Python).
  EXPECT_NEAR(studentTQuantile(0.9999, 3), 22.20374227319911, 1e-8);
  EXPECT_TRUE(std::isnan(studentTQuantile(0.5, 0)));
}

}  // namespace
}  // namespace outrider::slo::canary
