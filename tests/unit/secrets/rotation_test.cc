#include "outrider/secrets/rotation.h"

#include <gtest/gtest.h>

namespace outrider::secrets {
namespace {

using namespace std::chrono_literals;

const SystemTime Start = SystemTime(std::chrono::hours(24 * 365 * 50));
const ValidityWindow Hour{Start, Start + 1h};

class RotationTest : public ::testing::Test {};

// With no jitter the rotation point is exactly the fraction of the lifetime.
TEST_F(RotationTest, NoJitterRotatesAtTheFraction) {
  RotationPlanner planner({.rotate_fraction = 0.5, .jitter = 0}, 1);
  EXPECT_EQ(planner.rotateAt(Hour), Start + 30min);
  RotationPlanner late({.rotate_fraction = 0.8, .jitter = 0}, 1);
  EXPECT_EQ(late.rotateAt(Hour), Start + 48min);
}

// Seed 42 gives these points (libstdc++'s mt19937_64 and uniform_real_distribution): all in
// [27 min, 33 min] of a 1 h certificate (half the lifetime +/- 10% of it, SPIRE's 45-55%), the
// same for the same seed.
TEST_F(RotationTest, JitteredHalfLifeKnownAnswers) {
  RotationPlanner planner({}, 42);
  RotationPlanner again({}, 42);
  std::vector<int64_t> got;
  for (int i = 0; i < 4; ++i) {
    const auto at = planner.rotateAt(Hour);
    EXPECT_EQ(at, again.rotateAt(Hour));
    got.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(at - Start).count());
  }
  EXPECT_EQ(got, (std::vector<int64_t>{1891855, 1850051, 1890772, 1669058}));
}

// Over many draws the jitter covers the whole 45-55% band and never leaves it.
TEST_F(RotationTest, JitterStaysInsideTheBand) {
  RotationPlanner planner({}, 7);
  auto low = Start + 1h;
  auto high = Start;
  for (int i = 0; i < 10000; ++i) {
    const auto at = planner.rotateAt(Hour);
    low = std::min(low, at);
    high = std::max(high, at);
  }
  EXPECT_GE(low, Start + 27min);
  EXPECT_LE(high, Start + 33min);
  EXPECT_LT(low, Start + 27min + 10s);
  EXPECT_GT(high, Start + 33min - 10s);
}

// Full jitter: retry n waits U(0, min(60 s, 1 s * 2^n)); known answers for seed 42.
TEST_F(RotationTest, FullJitterBackoffKnownAnswers) {
  RotationPlanner planner({}, 42);
  std::vector<int64_t> got;
  for (unsigned n = 0; n < 8; ++n) {
    const auto delay = planner.retryDelay(n);
    EXPECT_GE(delay, 0s);
    EXPECT_LE(delay, std::min<std::chrono::nanoseconds>(60s, 1s * (1LL << n)));
    got.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
  }
  EXPECT_EQ(got, (std::vector<int64_t>{755, 1278, 3008, 1090, 14452, 3010, 34474, 22373}));
}

// The cap holds for any attempt number, also past 2^62.
TEST_F(RotationTest, BackoffIsCapped) {
  RotationPlanner planner({.backoff_min = 1s, .backoff_max = 60s}, 3);
  for (unsigned n : {6U, 7U, 20U, 63U, 64U, 1000U}) {
    EXPECT_LE(planner.retryDelay(n), 60s) << n;
  }
}

// Health: degraded below 25 % left, expired at NotAfter, not valid before NotBefore - skew.
TEST_F(RotationTest, AssessesValidityAndDegradation) {
  const RotationPolicy policy;
  auto h = assessSet(Hour, Start + 30min, policy);
  EXPECT_TRUE(h.valid);
  EXPECT_FALSE(h.degraded);
  EXPECT_DOUBLE_EQ(h.remaining_fraction, 0.5);
  EXPECT_EQ(h.remaining, 30min);
  h = assessSet(Hour, Start + 45min, policy);
  EXPECT_FALSE(h.degraded);  // exactly 25 % left is not below it
  h = assessSet(Hour, Start + 45min + 1s, policy);
  EXPECT_TRUE(h.valid);
  EXPECT_TRUE(h.degraded);
  h = assessSet(Hour, Start + 1h, policy);
  EXPECT_FALSE(h.valid);
  EXPECT_TRUE(h.expired);
  EXPECT_TRUE(h.degraded);
  EXPECT_EQ(h.remaining, 0s);
  EXPECT_TRUE(assessSet(Hour, Start - 4min, policy).valid);
  EXPECT_FALSE(assessSet(Hour, Start - 6min, policy).valid);
}

// The next change is the degraded point, then the expiry, then none.
TEST_F(RotationTest, NextHealthChange) {
  const RotationPolicy policy;
  // One tick past 45 min: exactly 25 % left is not below it (AssessesValidityAndDegradation).
  EXPECT_EQ(nextHealthChange(Hour, Start + 10min, policy), Start + 45min + SystemTime::duration(1));
  EXPECT_TRUE(assessSet(Hour, nextHealthChange(Hour, Start + 10min, policy), policy).degraded);
  EXPECT_EQ(nextHealthChange(Hour, Start + 45min + 1s, policy), Start + 1h);
  EXPECT_EQ(nextHealthChange(Hour, Start + 1h, policy), SystemTime::max());
  EXPECT_EQ(nextHealthChange(Hour, Start - 10min, policy), Start - 5min);
}

}  // namespace
}  // namespace outrider::secrets
