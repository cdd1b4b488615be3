// slow-close's filter as data: which closes it delays and what it counts.

#include <gtest/gtest.h>

#include "filter_under_test.h"

namespace outrider::faults::test {
namespace {

// The close of the fault's direction is passed on `delay` late; bytes are never touched.
TEST(SlowCloseFilterTest, DelaysTheClose) {
  auto fault = linkFault(FaultKind::SlowClose);
  fault.spec.delay = 300ms;
  FilterUnderTest filter(fault);
  EXPECT_TRUE(FilterUnderTest::untouched(filter.segment(Way::Down, 0, 10)));
  EXPECT_FALSE(filter.eof(Way::Up).close_delay);
  const Effect effect = filter.eof(Way::Down);
  ASSERT_TRUE(effect.close_delay);
  EXPECT_EQ(*effect.close_delay, 300ms);
  EXPECT_TRUE(
      hasCounts(filter.evidence(), {.injections = 1u,
                                    .opportunities = 1u,
                                    .evidence = "1 close delayed 300ms (1 connections seen)"}));
}

// A held close goes nowhere: nothing to delay, nothing counted.
TEST(SlowCloseFilterTest, HeldCloseIsLeftAlone) {
  FilterUnderTest filter(linkFault(FaultKind::SlowClose));
  EXPECT_FALSE(filter.eof(Way::Down, /*held=*/true).close_delay);
  EXPECT_EQ(filter.evidence().injections, 0u);
}

}  // namespace
}  // namespace outrider::faults::test
