// bandwidth's filter as data: what it paces and what it counts.

#include <gtest/gtest.h>

#include "filter_under_test.h"

namespace outrider::faults::test {
namespace {

// tcp: each chunk of the fault's direction is paced at the rate, and its bytes are counted.
TEST(BandwidthFilterTest, PacesChunksAtTheRate) {
  auto fault = linkFault(FaultKind::Bandwidth);
  fault.spec.rate_bytes_per_s = 64 * 1024;
  fault.spec.direction = Direction::Upstream;
  FilterUnderTest filter(fault);
  EXPECT_TRUE(FilterUnderTest::untouched(filter.segment(Way::Down, 0, 100)));
  EXPECT_EQ(filter.segment(Way::Up, 0, 4096).pace_rate, 64u * 1024);
  EXPECT_EQ(filter.segment(Way::Up, 1, 4096).pace_rate, 64u * 1024);
  EXPECT_TRUE(
      hasCounts(filter.evidence(),
                {.injections = 2u,
                 .opportunities = 2u,
                 .bytes_affected = 8192u,
                 .evidence = "2 of 2 request chunks (8KiB) paced to 64KiB/s on 1 connection"}));
}

// http: a paced request counts once, however many segments it takes.
TEST(BandwidthFilterTest, HttpCountsRequests) {
  auto fault = linkFault(FaultKind::Bandwidth);
  fault.spec.rate_bytes_per_s = 1000;
  fault.spec.direction = Direction::Upstream;
  FilterUnderTest filter(fault, {0, true});
  filter.begin(Way::Up, 0, 0);
  EXPECT_EQ(filter.segment(Way::Up, 0, 50, 0).pace_rate, 1000u);
  EXPECT_EQ(filter.segment(Way::Up, 1, 50, 0).pace_rate, 1000u);
  EXPECT_TRUE(hasCounts(filter.evidence(/*http_link=*/true),
                        {.injections = 1u, .requests_affected = 1u, .bytes_affected = 100u}));
}

}  // namespace
}  // namespace outrider::faults::test
