// latency's filter as data: what it delays, by how much, and what it counts.

#include <gtest/gtest.h>

#include "filter_under_test.h"

namespace outrider::faults::test {
namespace {

// tcp: every reply chunk is delayed by the latency; requests pass; each chunk is counted.
TEST(LatencyFilterTest, DelaysEachReplyChunk) {
  auto fault = linkFault(FaultKind::Latency);
  fault.spec.latency = 150ms;
  FilterUnderTest filter(fault);
  EXPECT_TRUE(FilterUnderTest::untouched(filter.segment(Way::Up, 0, 10)));
  for (uint64_t chunk = 0; chunk < 3; ++chunk) {
    const Effect effect = filter.segment(Way::Down, chunk, 5);
    ASSERT_TRUE(effect.delay);
    EXPECT_EQ(*effect.delay, 150ms);
  }
  EXPECT_TRUE(hasCounts(filter.evidence(),
                        {.injections = 3u,
                         .opportunities = 3u,
                         .connections_affected = 1u,
                         .bytes_affected = 15u,
                         .evidence = "3 of 3 reply chunks delayed ≥150ms on 1 connection"}));
}

// Jitter is drawn per chunk within latency ± jitter, the same for the same seed and position.
TEST(LatencyFilterTest, JitterIsSeededPerChunk) {
  auto fault = linkFault(FaultKind::Latency);
  fault.spec.latency = 40ms;
  fault.spec.jitter = 35ms;
  FilterUnderTest first(fault, {3, false});
  FilterUnderTest again(fault, {3, false});
  bool varied = false;
  for (uint64_t chunk = 0; chunk < 50; ++chunk) {
    const auto delay = *first.segment(Way::Down, chunk, 1).delay;
    EXPECT_GE(delay, 5ms);
    EXPECT_LT(delay, 75ms);
    EXPECT_EQ(delay, *again.segment(Way::Down, chunk, 1).delay);
    varied = varied || delay != 40ms;
  }
  EXPECT_TRUE(varied);
}

// tcp: the probability is drawn once per connection, keyed by its accept ordinal.
TEST(LatencyFilterTest, TcpDrawIsPerConnection) {
  auto fault = linkFault(FaultKind::Latency, "", /*run_seed=*/7);
  fault.spec.latency = 80ms;
  fault.spec.probability = 0.5;
  for (uint64_t connection = 0; connection < 16; ++connection) {
    FilterUnderTest filter(fault, {connection, false});
    const bool hit = decide(fault, connection, 0);
    EXPECT_EQ(filter.segment(Way::Down, 0, 1).delay.has_value(), hit);
    EXPECT_EQ(filter.segment(Way::Down, 1, 1).delay.has_value(), hit);
    EXPECT_EQ(filter.evidence().opportunities, 2u);
  }
}

// http: the request's draw decides at its first byte; all its segments share one delay.
TEST(LatencyFilterTest, HttpDecidesPerMessage) {
  auto fault = linkFault(FaultKind::Latency, "", /*run_seed=*/11);
  fault.spec.latency = 100ms;
  fault.spec.jitter = 20ms;
  fault.spec.probability = 0.5;
  FilterUnderTest filter(fault, {0, true});
  uint64_t hits = 0;
  for (uint64_t request = 0; request < 20; ++request) {
    const uint64_t draw = 100 + request;
    EXPECT_TRUE(FilterUnderTest::untouched(filter.begin(Way::Down, request, draw)));
    const Effect head = filter.segment(Way::Down, request, 40, request);
    const Effect body = filter.segment(Way::Down, request, 60, request);
    ASSERT_EQ(head.delay.has_value(), decide(fault, 0, draw)) << "request " << request;
    if (head.delay) {
      EXPECT_EQ(*head.delay, *body.delay);
      ++hits;
    }
  }
  EXPECT_TRUE(hasCounts(filter.evidence(/*http_link=*/true),
                        {.injections = hits,
                         .opportunities = 20u,
                         .requests_affected = hits,
                         .bytes_affected = hits * 100,
                         .evidence = std::to_string(hits) + " of 20 replies delayed ≥80ms"}));
}

// http: a message that began before the fault was applied is left alone.
TEST(LatencyFilterTest, HttpMessageBegunEarlierPasses) {
  auto fault = linkFault(FaultKind::Latency);
  fault.spec.latency = 100ms;
  fault.spec.direction = Direction::Both;
  FilterUnderTest filter(fault, {0, true});
  EXPECT_TRUE(FilterUnderTest::untouched(filter.segment(Way::Up, 0, 10, /*request=*/4)));
  EXPECT_EQ(filter.evidence().opportunities, 0u);
}

}  // namespace
}  // namespace outrider::faults::test
