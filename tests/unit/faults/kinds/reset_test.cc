// reset's filter as data: when it asks for a reset and what it counts once the reset happened.

#include <gtest/gtest.h>

#include "filter_under_test.h"

namespace outrider::faults::test {
namespace {

// tcp: the connection's first byte asks for a RST `after` later; it counts when carried out.
TEST(ResetFilterTest, AsksAtTheFirstByteCountsTheReset) {
  auto fault = linkFault(FaultKind::Reset);
  fault.spec.after = 200ms;
  FilterUnderTest filter(fault);
  const Effect effect = filter.segment(Way::Down, 0, 10);
  ASSERT_TRUE(effect.reset_after);
  EXPECT_EQ(*effect.reset_after, 200ms);
  EXPECT_EQ(filter.evidence().opportunities, 1u);
  EXPECT_EQ(filter.evidence().injections, 0u) << "nothing was reset yet";
  filter.segment(Way::Down, 1, 10);
  EXPECT_EQ(filter.evidence().opportunities, 1u) << "the connection counts once";
  filter->onReset();
  EXPECT_TRUE(
      hasCounts(filter.evidence(), {.injections = 1u,
                                    .connections_affected = 1u,
                                    .evidence = "1 connection reset (1 connections seen)"}));
}

// A connection the draw spares is seen but never asked to reset.
TEST(ResetFilterTest, SparedConnectionIsOnlySeen) {
  auto fault = linkFault(FaultKind::Reset);
  fault.spec.probability = 0.0;
  FilterUnderTest filter(fault);
  EXPECT_TRUE(FilterUnderTest::untouched(filter.segment(Way::Down, 0, 10)));
  EXPECT_EQ(filter.evidence().opportunities, 1u);
}

// http: a picked reply asks for the reset at its first byte; its segments ask nothing more.
TEST(ResetFilterTest, HttpAsksPerMessage) {
  auto fault = linkFault(FaultKind::Reset);
  FilterUnderTest filter(fault, {0, true});
  const Effect effect = filter.begin(Way::Down, 0, 0);
  ASSERT_TRUE(effect.reset_after);
  EXPECT_EQ(*effect.reset_after, 0ms);
  EXPECT_TRUE(FilterUnderTest::untouched(filter.segment(Way::Down, 0, 10, 0)));
  EXPECT_EQ(filter.evidence(true).requests_affected, 1u);
  EXPECT_EQ(filter.evidence(true).evidence, "0 connections reset (1 replies seen)");
}

}  // namespace
}  // namespace outrider::faults::test
