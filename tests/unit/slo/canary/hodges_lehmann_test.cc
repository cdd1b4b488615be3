#include "outrider/slo/canary/hodges_lehmann.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace outrider::slo::canary {
namespace {

// By hand: {1, 2, 3} - {0, 5} = {1, 2, 3, -4, -3, -2}, whose median is (-2 + 1) / 2.
TEST(HodgesLehmannTest, SmallCaseByHand) {
  EXPECT_DOUBLE_EQ(hodgesLehmannShift(std::vector<double>{1, 2, 3}, std::vector<double>{0, 5}),
                   -0.5);
  // An odd count: {10, 11, 12} - {1} has median 10.
  EXPECT_DOUBLE_EQ(hodgesLehmannShift(std::vector<double>{10, 11, 12}, std::vector<double>{1}), 10);
}

// R's ?wilcox.test example with conf.int = TRUE prints "difference in location 0.305".
TEST(HodgesLehmannTest, MatchesR) {
  const std::vector<double> x = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
  const std::vector<double> y = {1.15, 0.88, 0.90, 0.74, 1.21};
  EXPECT_NEAR(hodgesLehmannShift(x, y), 0.305, 1e-12);
}

// A shifted copy gives the shift exactly, and one wild value barely moves it (a mean would).
TEST(HodgesLehmannTest, ShiftAndRobustness) {
  const std::vector<double> base = {1.0, 1.2, 0.9, 1.1, 1.05, 0.95};
  std::vector<double> shifted = base;
  for (double& v : shifted) {
    v += 5;
  }
  EXPECT_NEAR(hodgesLehmannShift(shifted, base), 5, 1e-12);
  shifted[0] = 500;
  EXPECT_NEAR(hodgesLehmannShift(shifted, base), 5, 0.2);
}

// Empty samples and NaN values: 0 and left out, never NaN.
TEST(HodgesLehmannTest, Degenerate) {
  EXPECT_EQ(hodgesLehmannShift({}, std::vector<double>{1}), 0);
  EXPECT_EQ(hodgesLehmannShift(std::vector<double>{NAN}, std::vector<double>{1}), 0);
  EXPECT_EQ(hodgesLehmannShift(std::vector<double>{INFINITY}, std::vector<double>{INFINITY}), 0);
  EXPECT_EQ(hodgesLehmannShift(std::vector<double>{NAN, 3}, std::vector<double>{1}), 2);
}

}  // namespace
}  // namespace outrider::slo::canary
