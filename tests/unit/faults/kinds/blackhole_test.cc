// blackhole's filter as data: when it holds a way and what it counts.

#include <gtest/gtest.h>

#include "filter_under_test.h"

namespace outrider::faults::test {
namespace {

// tcp: the first byte holds the way; the bytes the hold swallows are counted.
TEST(BlackholeFilterTest, HoldsAtTheFirstByte) {
  auto fault = linkFault(FaultKind::Blackhole);
  fault.spec.direction = Direction::Both;
  FilterUnderTest filter(fault);
  EXPECT_TRUE(filter.segment(Way::Up, 0, 5).hold);
  filter->onSwallowed(Way::Up, 5);
  filter->onSwallowed(Way::Up, 7);
  EXPECT_TRUE(hasCounts(filter.evidence(),
                        {.injections = 1u,
                         .opportunities = 1u,
                         .bytes_affected = 12u,
                         .evidence = "1 connection held, 12B swallowed (1 connections seen)"}));
}

// A way another blackhole holds already is not this one's to hold.
TEST(BlackholeFilterTest, HeldWayIsNotHeldTwice) {
  FilterUnderTest filter(linkFault(FaultKind::Blackhole));
  EXPECT_FALSE(filter.segment(Way::Down, 0, 5, 0, /*held=*/true).hold);
  EXPECT_EQ(filter.evidence().injections, 0u);
}

// tcp: a connection that sent nothing is held at its close.
TEST(BlackholeFilterTest, HoldsTheCloseOfASilentConnection) {
  FilterUnderTest filter(linkFault(FaultKind::Blackhole));
  EXPECT_FALSE(filter.eof(Way::Up).hold) << "upstream is not its direction";
  EXPECT_TRUE(filter.eof(Way::Down).hold);
  EXPECT_EQ(filter.evidence().injections, 1u);
}

// http: a picked reply holds the way from its first byte; the close is not decided again.
TEST(BlackholeFilterTest, HttpHoldsFromAPickedMessage) {
  FilterUnderTest filter(linkFault(FaultKind::Blackhole), {0, true});
  EXPECT_TRUE(filter.begin(Way::Down, 0, 0).hold);
  EXPECT_TRUE(FilterUnderTest::untouched(filter.eof(Way::Down)));
  EXPECT_TRUE(hasCounts(filter.evidence(true), {.injections = 1u, .requests_affected = 1u}));
}

}  // namespace
}  // namespace outrider::faults::test
