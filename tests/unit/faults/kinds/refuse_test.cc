// refuse acts on the link's listener, not on a stream: its entry says so and has no filter.

#include <gtest/gtest.h>

#include "filter_under_test.h"

namespace outrider::faults::test {
namespace {

// The link closes its listener for it; no connection runs a filter for it.
TEST(RefuseKindTest, ClosesTheListenerWithoutAFilter) {
  const FaultKindEntry* entry = registry().find("refuse");
  ASSERT_NE(entry, nullptr);
  EXPECT_TRUE(entry->acts_on_link);
  EXPECT_TRUE(entry->closes_listener);
  EXPECT_FALSE(entry->make_link_filter);
  EXPECT_TRUE(entry->carriedOut());
}

// Its evidence is the probe connect that was refused.
TEST(RefuseKindTest, EvidenceIsTheRefusedProbe) {
  const auto fault = linkFault(FaultKind::Refuse);
  FaultEvidence e;
  EXPECT_EQ(describeEvidence(fault, false, e), "listener not closed");
  e.injections = 1;
  EXPECT_EQ(describeEvidence(fault, false, e), "listener closed; a probe connect was refused");
}

}  // namespace
}  // namespace outrider::faults::test
