#include "outrider/slo/event_series.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

namespace outrider::slo {
namespace {

class EventSeriesTest : public testing::Test {
 protected:
  // The events of seconds [start, end) summed one by one.
  static EventCounts bruteForce(const std::vector<EventCounts>& seconds, uint64_t start,
                                uint64_t end) {
    EventCounts sum;
    for (uint64_t s = start; s < end; ++s) {
      sum += seconds[s];
    }
    return sum;
  }
};

// An empty series has empty windows of any length up to the longest.
TEST_F(EventSeriesTest, EmptySeries) {
  EventSeries series(300);
  EXPECT_EQ(series.seconds(), 0u);
  EXPECT_EQ(series.trailing(300), EventCounts{});
  EXPECT_EQ(series.totals(), EventCounts{});
}

// Trailing windows shorter than the run hold exactly their seconds; longer ones hold the run.
TEST_F(EventSeriesTest, TrailingWindows) {
  EventSeries series(5);
  for (uint64_t s = 1; s <= 3; ++s) {
    series.append(EventCounts{s, 10 * s});
  }
  EXPECT_EQ(series.trailing(1), (EventCounts{3, 30}));
  EXPECT_EQ(series.trailing(2), (EventCounts{5, 50}));
  EXPECT_EQ(series.trailing(5), (EventCounts{6, 60}));
  EXPECT_EQ(series.totals(), (EventCounts{6, 60}));
}

// Good counts above the total are clamped, so bad() never wraps around.
TEST_F(EventSeriesTest, GoodClampedToTotal) {
  EventSeries series(10);
  series.append(EventCounts{12, 10});
  EXPECT_EQ(series.totals(), (EventCounts{10, 10}));
  EXPECT_EQ(series.totals().bad(), 0u);
}

// Asking for more than the series retains is a caller's bug and throws.
TEST_F(EventSeriesTest, OutOfRangeThrows) {
  EventSeries series(4);
  for (int s = 0; s < 10; ++s) {
    series.append(EventCounts{1, 1});
  }
  EXPECT_THROW(series.trailing(5), std::out_of_range);
  EXPECT_THROW(series.window(11, 1), std::out_of_range);
  EXPECT_THROW(series.window(9, 4), std::out_of_range);  // starts at 5 < 10 - 4
  EXPECT_EQ(series.window(10, 4), (EventCounts{4, 4}));
  EXPECT_EQ(series.window(9, 3), (EventCounts{3, 3}));
}

// Window sums equal a brute-force recomputation on random data, across many ring wrap-arounds.
TEST_F(EventSeriesTest, MatchesBruteForceOnRandomData) {
  constexpr uint64_t Longest = 257;
  std::mt19937_64 rng(20261127);
  std::uniform_int_distribution<uint64_t> total_dist(0, 50);
  std::uniform_int_distribution<uint64_t> length_dist(0, Longest);
  EventSeries series(Longest);
  std::vector<EventCounts> seconds;
  for (int s = 0; s < 3000; ++s) {
    const uint64_t total = total_dist(rng);
    const uint64_t good = std::uniform_int_distribution<uint64_t>(0, total)(rng);
    seconds.push_back(EventCounts{good, total});
    series.append(seconds.back());
    const uint64_t n = series.seconds();

    const uint64_t length = length_dist(rng);
    ASSERT_EQ(series.trailing(length), bruteForce(seconds, n > length ? n - length : 0, n))
        << "second " << s << " length " << length;

    // An arbitrary window that ends before the last second, still inside the retained span.
    const uint64_t oldest = n > Longest ? n - Longest : 0;
    const uint64_t end = std::uniform_int_distribution<uint64_t>(oldest, n)(rng);
    const uint64_t span = std::uniform_int_distribution<uint64_t>(0, end - oldest)(rng);
    ASSERT_EQ(series.window(end, span), bruteForce(seconds, end - span, end))
        << "second " << s << " end " << end << " span " << span;
  }
  EXPECT_EQ(series.totals(), bruteForce(seconds, 0, seconds.size()));
}

}  // namespace
}  // namespace outrider::slo
