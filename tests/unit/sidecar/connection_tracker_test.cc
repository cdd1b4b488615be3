#include "outrider/sidecar/connection_tracker.h"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "outrider/common/manual_clock.h"

namespace outrider::sidecar {
namespace {

using std::chrono::milliseconds;

class FakeConnection final : public TrackedConnection {
 public:
  void onDeadline() override { ++deadlines; }
  void onDrain() override { ++drains; }
  int deadlines = 0;
  int drains = 0;
};

class ConnectionTrackerTest : public testing::Test {
 protected:
  boost::asio::io_context context_;
  ManualClock clock_;
  ConnectionTracker tracker_{context_.get_executor(), clock_, milliseconds(10)};
};

// Only connections whose deadline has passed fire, and each fires once.
TEST_F(ConnectionTrackerTest, FiresExpiredDeadlinesOnce) {
  FakeConnection soon;
  FakeConnection later;
  tracker_.add(soon);
  tracker_.add(later);
  soon.setDeadline(clock_.monotonicNow() + milliseconds(100));
  later.setDeadline(clock_.monotonicNow() + milliseconds(500));
  clock_.advance(milliseconds(99));
  tracker_.sweep();
  EXPECT_EQ(soon.deadlines, 0);
  clock_.advance(milliseconds(1));
  tracker_.sweep();
  tracker_.sweep();
  EXPECT_EQ(soon.deadlines, 1);
  EXPECT_EQ(later.deadlines, 0);
  clock_.advance(milliseconds(400));
  tracker_.sweep();
  EXPECT_EQ(later.deadlines, 1);
}

// A cleared deadline never fires.
TEST_F(ConnectionTrackerTest, ClearedDeadlineDoesNotFire) {
  FakeConnection connection;
  tracker_.add(connection);
  connection.setDeadline(clock_.monotonicNow() + milliseconds(1));
  connection.clearDeadline();
  clock_.advance(milliseconds(10));
  tracker_.sweep();
  EXPECT_EQ(connection.deadlines, 0);
}

// Removal (swap-remove from the middle) keeps the others tracked.
TEST_F(ConnectionTrackerTest, RemoveKeepsOthers) {
  FakeConnection a;
  FakeConnection b;
  FakeConnection c;
  tracker_.add(a);
  tracker_.add(b);
  tracker_.add(c);
  tracker_.remove(a);
  tracker_.remove(a);  // twice is harmless
  EXPECT_EQ(tracker_.size(), 2u);
  tracker_.drainAll();
  EXPECT_EQ(a.drains, 0);
  EXPECT_EQ(b.drains, 1);
  EXPECT_EQ(c.drains, 1);
}

// The sweep period follows the shortest timeout within [5ms, 100ms].
TEST(SweepTickTest, IsATenthOfTheShortestTimeoutClamped) {
  EXPECT_EQ(sweepTickFor(milliseconds(300)), milliseconds(30));
  EXPECT_EQ(sweepTickFor(milliseconds(10)), milliseconds(5));
  EXPECT_EQ(sweepTickFor(std::chrono::seconds(60)), milliseconds(100));
}

}  // namespace
}  // namespace outrider::sidecar
