// control-plane-outage on a link in front of the control plane, as data: down resets whatever
// moves, hang holds both ways (their closes too), slow delays the requests only.

#include <gtest/gtest.h>

#include "filter_under_test.h"

namespace outrider::faults::test {
namespace {

using scenarios::ControlPlaneMode;

PlannedFault outage(ControlPlaneMode mode) {
  auto fault = linkFault(FaultKind::ControlPlaneOutage);
  fault.spec.control_plane_mode = mode;
  fault.spec.through_link = true;
  fault.spec.delay = 300ms;
  return fault;
}

TEST(ControlPlaneOutageFilterTest, DownResetsEveryConnectionThatMoves) {
  auto fault = outage(ControlPlaneMode::Down);
  FilterUnderTest filter(fault);
  for (Way way : {Way::Up, Way::Down}) {
    const Effect effect = filter.segment(way, 0, 10);
    ASSERT_TRUE(effect.reset_after);
    EXPECT_EQ(*effect.reset_after, 0ms);
  }
  filter->onReset();
  auto e = filter.evidence();
  e.injections = 1;  // the link counts the refused probe connect
  EXPECT_EQ(describeEvidence(fault, false, e),
            "listener closed, a probe connect was refused; 1 connection reset on their next "
            "byte");
  const FaultKindEntry* entry = registry().find("control-plane-outage");
  ASSERT_NE(entry, nullptr);
  EXPECT_TRUE(entry->closesListener(fault));
  EXPECT_FALSE(entry->closesListener(outage(ControlPlaneMode::Hang)));
}

TEST(ControlPlaneOutageFilterTest, HangHoldsBothWaysAndTheirCloses) {
  auto fault = outage(ControlPlaneMode::Hang);
  FilterUnderTest filter(fault);
  EXPECT_TRUE(filter.segment(Way::Up, 0, 100).hold);
  EXPECT_TRUE(filter.segment(Way::Down, 0, 50).hold);
  EXPECT_FALSE(filter.segment(Way::Up, 1, 10, 0, /*held=*/true).hold) << "held already";
  EXPECT_TRUE(filter.eof(Way::Up).hold);
  filter->onSwallowed(Way::Up, 110);
  filter->onSwallowed(Way::Down, 50);
  EXPECT_EQ(filter.evidence().evidence, "1 connection held, 160B swallowed");
}

TEST(ControlPlaneOutageFilterTest, SlowDelaysRequestsNotReplies) {
  auto fault = outage(ControlPlaneMode::Slow);
  FilterUnderTest filter(fault);
  const Effect up = filter.segment(Way::Up, 0, 100);
  ASSERT_TRUE(up.delay);
  EXPECT_EQ(*up.delay, 300ms);
  EXPECT_TRUE(FilterUnderTest::untouched(filter.segment(Way::Down, 0, 100)));
  EXPECT_TRUE(FilterUnderTest::untouched(filter.eof(Way::Up)));
  filter.segment(Way::Up, 1, 100);
  EXPECT_EQ(filter.evidence().evidence, "2 request chunks delayed 300ms on 1 connection");
}

}  // namespace
}  // namespace outrider::faults::test
