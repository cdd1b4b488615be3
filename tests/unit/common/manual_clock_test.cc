#include "outrider/common/manual_clock.h"

#include <optional>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace outrider {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

class ManualClockTest : public ::testing::Test {
 protected:
  void settle() {
    io_.restart();
    io_.poll();
  }
  std::function<void()> settler() {
    return [this] { settle(); };
  }
  // Starts a wait on `timer`; the result lands in `out` with the clock's time then.
  void startWait(Timer& timer, std::optional<bool>& out, MonotonicTime* at = nullptr) {
    asio::co_spawn(io_, [&timer, &out, at, this]() -> asio::awaitable<void> {
      out = co_await timer.wait();
      if (at) {
        *at = clock_.monotonicNow();
      }
    }, asio::detached);
    settle();
  }

  asio::io_context io_;
  ManualClock clock_;
};

TEST_F(ManualClockTest, TimerFiresOnlyWhenTheClockReachesItsExpiry) {
  auto timer = clock_.createTimer(io_.get_executor());
  timer->expiresAfter(5s);
  std::optional<bool> fired;
  MonotonicTime at{};
  const MonotonicTime start = clock_.monotonicNow();
  startWait(*timer, fired, &at);
  clock_.advance(4999ms, settler());
  EXPECT_FALSE(fired.has_value());
  clock_.advance(10s, settler());
  ASSERT_TRUE(fired.has_value());
  EXPECT_TRUE(*fired);
  // It fired with the clock at its expiry, not at the end of the advance.
  EXPECT_EQ(at - start, 5s);
  EXPECT_EQ(clock_.monotonicNow() - start, 14999ms);
}

TEST_F(ManualClockTest, TimersFireInExpiryOrderAndSeeWhatEarlierOnesArmed) {
  auto first = clock_.createTimer(io_.get_executor());
  auto second = clock_.createTimer(io_.get_executor());
  std::vector<int> order;
  first->expiresAfter(3s);
  second->expiresAfter(1s);
  asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
    if (co_await second->wait()) {
      order.push_back(2);
      // Re-armed while the clock is at 1 s: due at 2 s, before `first`.
      second->expiresAfter(1s);
      if (co_await second->wait()) {
        order.push_back(22);
      }
    }
  }, asio::detached);
  asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
    if (co_await first->wait()) {
      order.push_back(1);
    }
  }, asio::detached);
  clock_.advance(10s, settler());
  EXPECT_EQ(order, (std::vector<int>{2, 22, 1}));
}

TEST_F(ManualClockTest, CancelAndRearmCompletePendingWaitsWithFalse) {
  auto timer = clock_.createTimer(io_.get_executor());
  timer->expiresNever();
  std::optional<bool> a;
  std::optional<bool> b;
  startWait(*timer, a);
  startWait(*timer, b);
  clock_.advance(24h, settler());
  EXPECT_FALSE(a.has_value());
  timer->cancel();
  settle();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(*a);
  EXPECT_FALSE(*b);

  std::optional<bool> c;
  timer->expiresAfter(1s);
  startWait(*timer, c);
  timer->expiresAfter(2s);  // re-arming ends the pending wait, as asio's expires_after does
  settle();
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(*c);
}

TEST_F(ManualClockTest, WaitOnAPassedExpiryCompletesAtOnceWithTrue) {
  auto timer = clock_.createTimer(io_.get_executor());
  timer->expiresAfter(1s);
  clock_.advance(2s, settler());
  std::optional<bool> fired;
  startWait(*timer, fired);
  ASSERT_TRUE(fired.has_value());
  EXPECT_TRUE(*fired);
  EXPECT_EQ(clock_.armedTimers(), 0u);
}

TEST_F(ManualClockTest, DestroyingATimerWakesItsWaitWithFalse) {
  auto timer = clock_.createTimer(io_.get_executor());
  timer->expiresAfter(1s);
  std::optional<bool> fired;
  startWait(*timer, fired);
  timer.reset();
  settle();
  ASSERT_TRUE(fired.has_value());
  EXPECT_FALSE(*fired);
  clock_.advance(5s, settler());  // nothing left to fire, nothing dangling
  EXPECT_EQ(clock_.nextExpiry(), MonotonicTime::max());
}

TEST_F(ManualClockTest, AWaitIsCancelledWhenTheOtherBranchOfAnOrWins) {
  auto slow = clock_.createTimer(io_.get_executor());
  auto quick = clock_.createTimer(io_.get_executor());
  slow->expiresAfter(10s);
  quick->expiresAfter(1s);
  std::optional<size_t> winner;
  asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
    auto result = co_await (slow->wait() || quick->wait());
    winner = result.index();
  }, asio::detached);
  clock_.advance(1s, settler());
  ASSERT_TRUE(winner.has_value());
  EXPECT_EQ(*winner, 1u);
}

TEST_F(ManualClockTest, SleepForUsesTheClocksTimersAndSystemTimeMovesAlong) {
  std::optional<bool> slept;
  const SystemTime wall = clock_.systemNow();
  asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
    slept = co_await sleepFor(clock_, 30s);
  }, asio::detached);
  settle();
  clock_.advance(29s, settler());
  EXPECT_FALSE(slept.has_value());
  clock_.advance(1s, settler());
  ASSERT_TRUE(slept.has_value());
  EXPECT_TRUE(*slept);
  EXPECT_EQ(clock_.systemNow() - wall, 30s);
}

}  // namespace
}  // namespace outrider
