#include "outrider/slo/burn_rate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "outrider/slo/event_series.h"
#include "outrider/slo/history.h"

namespace outrider::slo {
namespace {

class BurnRateTest : public testing::Test {};

// Burn rate is the bad ratio over the allowed bad ratio.
TEST_F(BurnRateTest, RatioOverBudget) {
  EXPECT_NEAR(burnRate(WindowCounts{15, 1000}, 0.999), 15.0, 1e-9);
  EXPECT_NEAR(burnRate(WindowCounts{1, 1000}, 0.999), 1.0, 1e-9);
  EXPECT_NEAR(burnRate(WindowCounts{900, 60000}, 0.999), 15.0, 1e-9);  // reference §1.3
}

// A window without events, or without bad ones, burns nothing.
TEST_F(BurnRateTest, NoEventsBurnNothing) {
  EXPECT_EQ(burnRate(WindowCounts{0, 0}, 0.999), 0.0);
  EXPECT_EQ(burnRate(WindowCounts{0, 500}, 0.999), 0.0);
}

// An objective of 1 has no budget: any bad event burns infinitely fast.
TEST_F(BurnRateTest, NoBudget) {
  EXPECT_TRUE(std::isinf(burnRate(WindowCounts{1, 100}, 1.0)));
  EXPECT_EQ(burnRate(WindowCounts{0, 100}, 1.0), 0.0);
}

class HistoryTest : public testing::Test {};

// history = none: a window reaching before second 0 holds only the run's own events.
TEST_F(HistoryTest, NoneHoldsOwnEventsOnly) {
  EventSeries series(3600);
  for (int s = 0; s < 10; ++s) {
    series.append(EventCounts{90, 100});
  }
  const WindowCounts window = History::none().trailing(series, 3600);
  EXPECT_EQ(window.total, 1000);
  EXPECT_EQ(window.bad, 100);
}

// history = clean: the part of the window before second 0 is filled at the rate, none bad.
TEST_F(HistoryTest, CleanFillsBeforeSecondZero) {
  EventSeries series(3600);
  for (int s = 0; s < 10; ++s) {
    series.append(EventCounts{90, 100});
  }
  const History history = History::clean(99.5);
  const WindowCounts window = history.trailing(series, 3600);
  EXPECT_DOUBLE_EQ(window.total, 1000 + 99.5 * 3590);
  EXPECT_EQ(window.bad, 100);
  // A window inside the run has no synthetic part.
  const WindowCounts inside = history.trailing(series, 5);
  EXPECT_EQ(inside.total, 500);
  EXPECT_EQ(inside.bad, 50);
  // An explicit window that ends at second 4 and is 10 s long reaches 6 s before second 0.
  const WindowCounts early = history.window(series, 4, 10);
  EXPECT_DOUBLE_EQ(early.total, 400 + 99.5 * 6);
}

// The scenario's clean history uses the warmup's rate, or the configured rate without one.
TEST_F(HistoryTest, ForScenario) {
  using scenarios::AlertHistory;
  EXPECT_EQ(History::forScenario(AlertHistory::Clean, 480, 500).rate(), 480);
  EXPECT_EQ(History::forScenario(AlertHistory::Clean, 0, 500).rate(), 500);
  EXPECT_EQ(History::forScenario(AlertHistory::None, 480, 500).rate(), 0);
}

// Windows with a clean history equal a brute-force sum over own and synthetic seconds.
TEST_F(HistoryTest, MatchesBruteForceOnRandomData) {
  constexpr uint64_t Longest = 600;
  constexpr double Rate = 37.25;
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> total_dist(0, 80);
  std::uniform_int_distribution<uint64_t> length_dist(1, Longest);
  EventSeries series(Longest);
  const History history = History::clean(Rate);
  std::vector<EventCounts> seconds;
  for (int s = 0; s < 2000; ++s) {
    const uint64_t total = total_dist(rng);
    seconds.push_back(EventCounts{std::uniform_int_distribution<uint64_t>(0, total)(rng), total});
    series.append(seconds.back());
    const int64_t n = static_cast<int64_t>(seconds.size());
    const int64_t length = static_cast<int64_t>(length_dist(rng));
    double bad = 0;
    double all = 0;
    for (int64_t k = n - length; k < n; ++k) {
      if (k < 0) {
        all += Rate;
      } else {
        bad += static_cast<double>(seconds[k].bad());
        all += static_cast<double>(seconds[k].total);
      }
    }
    const WindowCounts window = history.trailing(series, static_cast<uint64_t>(length));
    ASSERT_EQ(window.bad, bad) << "second " << s;
    ASSERT_NEAR(window.total, all, 1e-6) << "second " << s;
  }
}

}  // namespace
}  // namespace outrider::slo
