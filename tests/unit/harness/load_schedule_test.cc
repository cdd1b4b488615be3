#include "outrider/harness/load_schedule.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "outrider/common/manual_clock.h"

namespace outrider::harness {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

LoadSchedule makeSchedule(double rate, nanoseconds duration, nanoseconds warmup = 0ns) {
  auto schedule = LoadSchedule::create(rate, duration, warmup);
  EXPECT_TRUE(schedule.has_value()) << schedule.error().message;
  return *schedule;
}

TEST(LoadScheduleTest, IntegerRateGivesExactSendTimes) {
  // 1000 rps: request i at exactly i ms.
  auto schedule = makeSchedule(1000, 10s);
  EXPECT_EQ(schedule.offsetOf(0), 0ns);
  EXPECT_EQ(schedule.offsetOf(1), 1ms);
  EXPECT_EQ(schedule.offsetOf(999), 999ms);
  EXPECT_EQ(schedule.offsetOf(9'999), 9'999ms);
}

TEST(LoadScheduleTest, RepeatingFractionDoesNotDrift) {
  // 3 rps: floor(i / 3 s), and request 3n lands exactly on n seconds however far out.
  auto schedule = makeSchedule(3, 1000h);
  EXPECT_EQ(schedule.offsetOf(1), 333'333'333ns);
  EXPECT_EQ(schedule.offsetOf(2), 666'666'666ns);
  EXPECT_EQ(schedule.offsetOf(3), 1s);
  EXPECT_EQ(schedule.offsetOf(3'000'000), 1'000'000s);
  EXPECT_EQ(schedule.offsetOf(3'000'001), 1'000'000s + 333'333'333ns);
}

TEST(LoadScheduleTest, FractionalRateUsesMicroRequestResolution) {
  // 333.3 rps: offsets floor(i * 1e9 / 333.3) ns, exactly.
  auto schedule = makeSchedule(333.3, 10s);
  EXPECT_EQ(schedule.offsetOf(1), 3'000'300ns);  // 1e9 / 333.3 = 3000300.03
  EXPECT_EQ(schedule.offsetOf(3333), 10s);       // 3333 / 333.3 = 10 s exactly: not in the run
  EXPECT_EQ(schedule.total(), 3333u);
  EXPECT_LT(schedule.offsetOf(schedule.total() - 1), 10s);
}

TEST(LoadScheduleTest, CountsMatchTheJournalExample) {
  // journal.md: rate 500, 60 s with a 5 s warmup -> 27500 measured requests.
  auto schedule = makeSchedule(500, 60s, 5s);
  EXPECT_EQ(schedule.total(), 30'000u);
  EXPECT_EQ(schedule.warmupCount(), 2'500u);
  EXPECT_EQ(schedule.measuredCount(), 27'500u);
}

TEST(LoadScheduleTest, WarmupSplitIsStrictlyBeforeItsEnd) {
  // 10 rps, 1 s warmup: requests 0..9 are warmup, request 10 (at exactly 1 s) is measured.
  auto schedule = makeSchedule(10, 5s, 1s);
  EXPECT_TRUE(schedule.isWarmup(9));
  EXPECT_FALSE(schedule.isWarmup(10));
  EXPECT_EQ(schedule.offsetOf(10), 1s);
  EXPECT_EQ(schedule.warmupCount(), 10u);
  EXPECT_EQ(schedule.measuredCount(), 40u);
}

TEST(LoadScheduleTest, MeasuredCountIsRateTimesMeasuredSpan) {
  // load.scheduled matches rate x (duration - warmup) within 1% across rates and spans.
  for (double rate : {0.5, 1.0, 7.0, 99.9, 500.0, 1234.5, 20'000.0, 50'000.0}) {
    for (auto [duration, warmup] : {std::pair{10s, 0s}, std::pair{60s, 5s}, std::pair{3s, 1s}}) {
      auto schedule = makeSchedule(rate, duration, warmup);
      const double expected = rate * std::chrono::duration<double>(duration - warmup).count();
      EXPECT_NEAR(static_cast<double>(schedule.measuredCount()), expected,
                  std::max(1.0, 0.01 * expected))
          << rate << " rps";
    }
  }
}

TEST(LoadScheduleTest, DueByFollowsAManualClock) {
  // Driving a manual clock 1 ms at a time, the due count steps exactly at each send time.
  ManualClock clock;
  const auto t0 = clock.monotonicNow();
  auto schedule = makeSchedule(300, 1s);
  uint64_t expected_due = 0;
  for (int step = 0; step <= 1100; ++step) {
    const auto elapsed = clock.monotonicNow() - t0;
    while (expected_due < schedule.total() && schedule.offsetOf(expected_due) <= elapsed) {
      ++expected_due;
    }
    ASSERT_EQ(schedule.dueBy(elapsed), expected_due) << "at " << elapsed.count() << " ns";
    clock.advance(1ms);
  }
  EXPECT_EQ(expected_due, 300u);
  EXPECT_EQ(schedule.dueBy(-1ns), 0u);
  EXPECT_EQ(schedule.dueBy(0ns), 1u);  // request 0 is due at t0 itself
}

TEST(LoadScheduleTest, DueByIsExactAtEachSendTime) {
  // Exactly at offsetOf(i) request i is due; one nanosecond earlier it is not.
  auto schedule = makeSchedule(7, 10s);
  for (uint64_t i = 1; i < schedule.total(); ++i) {
    EXPECT_EQ(schedule.dueBy(schedule.offsetOf(i)), i + 1);
    EXPECT_EQ(schedule.dueBy(schedule.offsetOf(i) - 1ns), i);
  }
  EXPECT_EQ(schedule.dueBy(1h), schedule.total());
}

TEST(LoadScheduleTest, SecondOfBucketsBySendTime) {
  // 4 rps: requests 0..3 in second 0, 4..7 in second 1.
  auto schedule = makeSchedule(4, 3s);
  EXPECT_EQ(schedule.secondOf(3), 0u);
  EXPECT_EQ(schedule.secondOf(4), 1u);
  EXPECT_EQ(schedule.secondOf(11), 2u);
}

TEST(LoadScheduleTest, RejectsImpossiblePlans) {
  // Zero or negative rate, empty run, warmup covering the whole run.
  EXPECT_FALSE(LoadSchedule::create(0, 10s, 0s).has_value());
  EXPECT_FALSE(LoadSchedule::create(-5, 10s, 0s).has_value());
  EXPECT_FALSE(LoadSchedule::create(NAN, 10s, 0s).has_value());
  EXPECT_FALSE(LoadSchedule::create(100, 0s, 0s).has_value());
  EXPECT_FALSE(LoadSchedule::create(100, 10s, 10s).has_value());
  EXPECT_FALSE(LoadSchedule::create(100, 10s, -1s).has_value());
  EXPECT_EQ(LoadSchedule::create(0, 10s, 0s).error().code, ErrorCode::InvalidArgument);
}

}  // namespace
}  // namespace outrider::harness
