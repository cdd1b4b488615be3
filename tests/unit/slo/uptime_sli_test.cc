#include "outrider/slo/uptime_sli.h"

#include <gtest/gtest.h>

namespace outrider::slo {
namespace {

EventCounts ms(uint64_t good) { return EventCounts{good, UptimeEventsPerSecond}; }

TEST(UptimeSliTest, ReadyBeforeTheRunAndThroughoutIsAllGood) {
  const auto seconds = uptimeSeconds({{-0.4, true}}, 3);
  EXPECT_EQ(seconds, (std::vector<EventCounts>{ms(1000), ms(1000), ms(1000)}));
}

TEST(UptimeSliTest, NeverReadyIsAllBad) {
  EXPECT_EQ(uptimeSeconds({}, 2), (std::vector<EventCounts>{ms(0), ms(0)}));
}

TEST(UptimeSliTest, DownTimeCostsItsMillisecondsInTheSecondsItTouches) {
  // Killed at 1.25 s, ready again at 3.5 s: 2.25 s down over seconds 1, 2 and 3.
  const auto seconds = uptimeSeconds({{-1, true}, {1.25, false}, {3.5, true}}, 5);
  EXPECT_EQ(seconds, (std::vector<EventCounts>{ms(1000), ms(250), ms(0), ms(500), ms(1000)}));
  EventCounts sum;
  for (const auto& second : seconds) {
    sum += second;
  }
  EXPECT_EQ(sum.bad(), 2250u);
  EXPECT_EQ(sum.total, 5000u);
}

TEST(UptimeSliTest, TwoOutagesInOneSecondAddUp) {
  const auto seconds =
      uptimeSeconds({{0, true}, {0.1, false}, {0.2, true}, {0.7, false}, {0.9, true}}, 1);
  EXPECT_EQ(seconds, (std::vector<EventCounts>{ms(700)}));
}

TEST(UptimeSliTest, RepeatedChangesAndChangesPastTheEndAreHarmless) {
  // A second "ready" while ready changes nothing; a change after the run is outside it.
  const auto seconds = uptimeSeconds({{0.5, true}, {0.8, true}, {2.5, false}}, 2);
  EXPECT_EQ(seconds, (std::vector<EventCounts>{ms(500), ms(1000)}));
}

TEST(UptimeSliTest, StartsReadyPartWayThroughTheFirstSecond) {
  const auto seconds = uptimeSeconds({{0.3, true}}, 2);
  EXPECT_EQ(seconds, (std::vector<EventCounts>{ms(700), ms(1000)}));
}

}  // namespace
}  // namespace outrider::slo
