// slicer's filter as data: the slices it asks for and what it counts.

#include <gtest/gtest.h>

#include "filter_under_test.h"

namespace outrider::faults::test {
namespace {

// Each chunk gets a slice spec of its own draw stream; a variation beyond the size is clamped.
TEST(SlicerFilterTest, SlicesEachChunk) {
  auto fault = linkFault(FaultKind::Slicer);
  fault.spec.average_size = 8;
  fault.spec.size_variation = 20;
  fault.spec.delay = 2ms;
  FilterUnderTest filter(fault, {5, false});
  const Effect first = filter.segment(Way::Down, 0, 100);
  const Effect second = filter.segment(Way::Down, 1, 100);
  ASSERT_TRUE(first.slice && second.slice);
  EXPECT_EQ(first.slice->average, 8u);
  EXPECT_EQ(first.slice->variation, 7u);
  EXPECT_EQ(first.slice->delay, 2ms);
  EXPECT_EQ(first.slice->seed, second.slice->seed);
  EXPECT_NE(first.slice->stream, second.slice->stream);
  EXPECT_TRUE(
      hasCounts(filter.evidence(),
                {.injections = 2u,
                 .bytes_affected = 200u,
                 .evidence = "2 of 2 reply chunks (200B) cut into 8B slices on 1 connection"}));
}

// An average of 0 still slices: one byte at a time.
TEST(SlicerFilterTest, ZeroAverageIsOneByte) {
  auto fault = linkFault(FaultKind::Slicer);
  FilterUnderTest filter(fault);
  const Effect effect = filter.segment(Way::Down, 0, 10);
  ASSERT_TRUE(effect.slice);
  EXPECT_EQ(effect.slice->average, 1u);
  EXPECT_EQ(effect.slice->variation, 0u);
}

}  // namespace
}  // namespace outrider::faults::test
