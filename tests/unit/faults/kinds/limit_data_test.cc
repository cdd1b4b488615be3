// limit-data's filter as data: where it cuts and what it counts.

#include <gtest/gtest.h>

#include "filter_under_test.h"

namespace outrider::faults::test {
namespace {

// The cut falls inside the chunk that reaches the limit; what lies beyond it is counted.
TEST(LimitDataFilterTest, CutsAtTheLimitAcrossChunks) {
  auto fault = linkFault(FaultKind::LimitData);
  fault.spec.bytes = 1000;
  FilterUnderTest filter(fault);
  EXPECT_FALSE(filter.segment(Way::Down, 0, 600).pass);
  const Effect cut = filter.segment(Way::Down, 1, 600);
  ASSERT_TRUE(cut.pass);
  EXPECT_EQ(*cut.pass, 400u);
  EXPECT_TRUE(hasCounts(filter.evidence(), {.injections = 1u,
                                            .opportunities = 1u,
                                            .bytes_affected = 200u,
                                            .evidence = "1 of 1 connections cut after 1000B"}));
}

// Each way counts its own bytes; only the fault's direction is limited.
TEST(LimitDataFilterTest, CountsPerWay) {
  auto fault = linkFault(FaultKind::LimitData);
  fault.spec.bytes = 10;
  fault.spec.direction = Direction::Both;
  FilterUnderTest filter(fault);
  EXPECT_FALSE(filter.segment(Way::Up, 0, 9).pass);
  EXPECT_FALSE(filter.segment(Way::Down, 0, 9).pass);
  EXPECT_EQ(*filter.segment(Way::Up, 1, 5).pass, 1u);
}

// A cut already made by an earlier filter leaves less to count: `passing`, not `length`.
TEST(LimitDataFilterTest, CountsWhatEarlierCutsLetThrough) {
  auto fault = linkFault(FaultKind::LimitData);
  fault.spec.bytes = 10;
  FilterUnderTest filter(fault);
  const Effect cut = filter->onSegment({Way::Down, 0, 0, 100, 30, false});
  EXPECT_EQ(*cut.pass, 10u);
  EXPECT_EQ(filter.evidence().bytes_affected, 20u);
}

}  // namespace
}  // namespace outrider::faults::test
