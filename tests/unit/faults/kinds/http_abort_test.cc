// http-abort's filter as data: which requests it answers and what it counts.

#include <gtest/gtest.h>

#include "filter_under_test.h"

namespace outrider::faults::test {
namespace {

// Requests are answered with the status, counted when the answer is queued; replies pass.
TEST(HttpAbortFilterTest, AnswersRequests) {
  auto fault = linkFault(FaultKind::HttpAbort);
  fault.spec.status = 429;
  FilterUnderTest filter(fault, {0, true});
  EXPECT_TRUE(FilterUnderTest::untouched(filter.begin(Way::Down, 0, 0)));
  const Effect effect = filter.begin(Way::Up, 0, 0);
  ASSERT_TRUE(effect.answer);
  EXPECT_EQ(*effect.answer, 429);
  filter->onAnswered();
  filter->onSwallowed(Way::Up, 80);
  EXPECT_TRUE(hasCounts(filter.evidence(true), {.injections = 1u,
                                                .opportunities = 1u,
                                                .requests_affected = 1u,
                                                .bytes_affected = 80u,
                                                .evidence = "429 on 1 of 1 requests"}));
}

// A request another abort answers already is not an opportunity.
TEST(HttpAbortFilterTest, AnsweredRequestIsSkipped) {
  FilterUnderTest filter(linkFault(FaultKind::HttpAbort), {0, true});
  EXPECT_FALSE(filter.begin(Way::Up, 0, 0, false, /*answered=*/true).answer);
  EXPECT_EQ(filter.evidence().opportunities, 0u);
}

// The draw is per link-wide request number: the same seed answers the same requests.
TEST(HttpAbortFilterTest, DrawsPerRequest) {
  auto fault = linkFault(FaultKind::HttpAbort, "", /*run_seed=*/3);
  fault.spec.probability = 0.5;
  FilterUnderTest filter(fault, {9, true});
  for (uint64_t draw = 0; draw < 32; ++draw) {
    EXPECT_EQ(filter.begin(Way::Up, draw, draw).answer.has_value(), decide(fault, 0, draw));
  }
}

// The kind needs an http link.
TEST(HttpAbortFilterTest, NeedsHttp) { EXPECT_TRUE(registry().find("http-abort")->needs_http); }

}  // namespace
}  // namespace outrider::faults::test
