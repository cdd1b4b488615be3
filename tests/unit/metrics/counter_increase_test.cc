#include <cmath>

#include <gtest/gtest.h>

#include "outrider/metrics/counter_increase.h"

namespace outrider::metrics {
namespace {

using Kind = CounterIncrease::Step::Kind;
using Points = std::vector<CounterIncrease::Point>;

// Measures, then moves the baseline, as one second of a ratio SLI does.
CounterIncrease::Step step(CounterIncrease& counter, const Points& points, bool restarted = false) {
  auto result = counter.measure(points, restarted);
  if (result.kind != Kind::Invalid) {
    counter.advance(points);
  }
  return result;
}

// The first scrape only sets the baseline; later ones give the growth.
TEST(CounterIncreaseTest, FirstScrapeIsTheBaseline) {
  CounterIncrease counter;
  EXPECT_EQ(step(counter, {{"a", 100}}).kind, Kind::Baseline);
  auto next = step(counter, {{"a", 130}});
  EXPECT_EQ(next.kind, Kind::Increase);
  EXPECT_EQ(next.increase, 30);
  EXPECT_EQ(next.resets, 0u);
}

// A drop is a reset: the new value is the whole increase, never a negative one.
TEST(CounterIncreaseTest, DropIsAReset) {
  CounterIncrease counter;
  step(counter, {{"a", 1000}});
  auto reset = step(counter, {{"a", 40}});
  EXPECT_EQ(reset.increase, 40);
  EXPECT_EQ(reset.resets, 1u);
  EXPECT_EQ(step(counter, {{"a", 90}}).increase, 50);  // counts on from the new value
}

// Resets are judged per series, so one series' reset does not hide another's growth.
TEST(CounterIncreaseTest, ResetsArePerSeries) {
  CounterIncrease counter;
  step(counter, {{"ok", 1000}, {"err", 10}});
  auto mixed = step(counter, {{"ok", 1100}, {"err", 2}});
  EXPECT_EQ(mixed.increase, 100 + 2);
  EXPECT_EQ(mixed.resets, 1u);
}

// A restart the supervisor saw resets every series, even one already past its old value (a
// drop alone could not tell).
TEST(CounterIncreaseTest, KnownRestartCountsFromZero) {
  CounterIncrease counter;
  step(counter, {{"a", 100}});
  auto restarted = step(counter, {{"a", 150}}, /*restarted=*/true);
  EXPECT_EQ(restarted.increase, 150);
  EXPECT_EQ(restarted.resets, 1u);
}

// A series that appears between two scrapes counts from zero; one that vanishes adds nothing.
TEST(CounterIncreaseTest, NewSeriesCountFromZero) {
  CounterIncrease counter;
  step(counter, {{"2xx", 500}});
  EXPECT_EQ(step(counter, {{"2xx", 600}, {"5xx", 7}}).increase, 100 + 7);
  EXPECT_EQ(step(counter, {{"5xx", 9}}).increase, 2);
}

// NaN, infinite or negative counters make the step invalid and leave the baseline alone, so the
// next good scrape counts from the last good one.
TEST(CounterIncreaseTest, ImpossibleValuesAreInvalid) {
  CounterIncrease counter;
  step(counter, {{"a", 10}});
  for (double bad : {double(NAN), double(INFINITY), -1.0}) {
    auto invalid = step(counter, {{"a", bad}});
    EXPECT_EQ(invalid.kind, Kind::Invalid);
    EXPECT_FALSE(invalid.problem.empty());
  }
  EXPECT_EQ(step(counter, {{"a", 25}}).increase, 15);
}

// measure() does not move the baseline; only advance() does.
TEST(CounterIncreaseTest, MeasureIsSideEffectFree) {
  CounterIncrease counter;
  counter.advance({{"a", 10}});
  EXPECT_EQ(counter.measure({{"a", 20}}, false).increase, 10);
  EXPECT_EQ(counter.measure({{"a", 30}}, false).increase, 20);
}

}  // namespace
}  // namespace outrider::metrics
