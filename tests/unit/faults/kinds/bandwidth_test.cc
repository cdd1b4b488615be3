// bandwidth's filter as data: what it paces and what it counts.

#include <gtest/gtest.h>

#include "filter_under_test.h"

namespace outrider::faults::test {
namespace {

using scenarios::Direction;
using scenarios::FaultKind;

// tcp: each chunk of the fault's direction is paced at the rate, and its bytes are counted.
TEST(BandwidthFilterTest, PacesChunksAtTheRate) {
  auto fault = linkFault(FaultKind::Bandwidth);
  fault.spec.rate_bytes_per_s = 64 * 1024;
  fault.spec.direction = Direction::Upstream;
  FilterUnderTest filter(fault);
  EXPECT_TRUE(FilterUnderTest::untouched(filter.segment(Way::Down, 0, 100)));
  EXPECT_EQ(filter.segment(Way::Up, 0, 4096).pace_rate, 64u * 1024);
  EXPECT_EQ(filter.segment(Way::Up, 1, 4096).pace_rate, 64u * 1024);
  const FaultEvidence e = filter.evidence();
  EXPECT_EQ(e.injections, 2u);
  EXPECT_EQ(e.opportunities, 2u);
  EXPECT_EQ(e.bytes_affected, 8192u);
  EXPECT_EQ(e.evidence, "2 of 2 request chunks (8KiB) paced to 64KiB/s on 1 connection");
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
  const FaultEvidence e = filter.evidence(/*http_link=*/true);
  EXPECT_EQ(e.injections, 1u);
  EXPECT_EQ(e.requests_affected, 1u);
  EXPECT_EQ(e.bytes_affected, 100u);
}

}  // namespace
}  // namespace outrider::faults::test
