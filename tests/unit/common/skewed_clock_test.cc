// The clock-skew fault's injected clock and its environment variable.
#include "outrider/common/skewed_clock.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>

#include "outrider/common/clock_skew.h"
#include "outrider/common/manual_clock.h"
#include "outrider/common/timer.h"

namespace outrider {
namespace {

using namespace std::chrono_literals;

class SkewedClockTest : public testing::Test {
 protected:
  ManualClock base_;
};

// Only the wall clock is shifted; monotonic time is the base's.
TEST_F(SkewedClockTest, ShiftsSystemTimeOnly) {
  const SkewedClock behind(base_, -2h);
  const SkewedClock ahead(base_, 30min);
  EXPECT_EQ(behind.systemNow(), base_.systemNow() - 2h);
  EXPECT_EQ(ahead.systemNow(), base_.systemNow() + 30min);
  EXPECT_EQ(behind.monotonicNow(), base_.monotonicNow());
  base_.advance(5s);
  EXPECT_EQ(behind.systemNow(), base_.systemNow() - 2h);
  EXPECT_EQ(behind.monotonicNow(), base_.monotonicNow());
}

// Timers come from the base clock: a wait on the skewed clock ends when the base reaches it.
TEST_F(SkewedClockTest, TimersRunOnTheBaseClock) {
  boost::asio::io_context io;
  const SkewedClock skewed(base_, -2h);
  auto timer = skewed.createTimer(io.get_executor());
  timer->expiresAfter(1s);
  std::optional<bool> fired;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { fired = co_await timer->wait(); },
      boost::asio::detached);
  auto settle = [&io] {
    io.restart();
    io.poll();
  };
  settle();
  base_.advance(999ms, settle);
  EXPECT_FALSE(fired.has_value());
  base_.advance(1ms, settle);
  ASSERT_TRUE(fired.has_value());
  EXPECT_TRUE(*fired);
}

// OUTRIDER_CLOCK_SKEW takes a signed duration; unset or empty is no skew.
TEST(ClockSkewVariableTest, ParsesSignedDurations) {
  EXPECT_EQ(parseClockSkew(nullptr).value(), 0ns);
  EXPECT_EQ(parseClockSkew("").value(), 0ns);
  EXPECT_EQ(parseClockSkew("-2h").value(), -2h);
  EXPECT_EQ(parseClockSkew("+30m").value(), 30min);
  EXPECT_EQ(parseClockSkew("90s").value(), 90s);
  EXPECT_EQ(parseClockSkew("-1m30s").value(), -90s);
}

// A bad value is an error that names the variable, never a silent zero.
TEST(ClockSkewVariableTest, BadValueNamesTheVariable) {
  for (const char* bad : {"2", "-", "+-5s", "--5s", "two hours", "5 s"}) {
    auto parsed = parseClockSkew(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().message.find("OUTRIDER_CLOCK_SKEW"), std::string::npos) << bad;
  }
}

// The rendering carries its sign and parses back to the same offset.
TEST(ClockSkewVariableTest, FormatRoundTrips) {
  EXPECT_EQ(formatClockSkew(-2h), "-2h");
  EXPECT_EQ(formatClockSkew(30min), "+30m");
  for (const auto skew : {-2h, std::chrono::hours(0), std::chrono::hours(30)}) {
    EXPECT_EQ(parseClockSkew(formatClockSkew(skew).c_str()).value(), skew);
  }
}

}  // namespace
}  // namespace outrider
