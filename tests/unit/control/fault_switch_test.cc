#include "outrider/control/fault_switch.h"

#include <gtest/gtest.h>

#include <utility>

#include "control_test_support.h"
#include "outrider/common/manual_clock.h"

namespace outrider::control {
namespace {

using namespace std::chrono_literals;

// Every mode by name; slow needs a latency, the others refuse one.
TEST(FaultSwitchTest, ParsesQueries) {
  auto slow = parseFaultQuery("mode=slow&latency=250ms");
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->mode, FaultMode::Slow);
  EXPECT_EQ(slow->latency, 250ms);
  EXPECT_EQ(parseFaultQuery("latency=2s&mode=slow")->latency, 2s);
  for (const auto& [query, mode] :
       {std::pair{"mode=down", FaultMode::Down}, std::pair{"mode=hang", FaultMode::Hang},
        std::pair{"mode=error", FaultMode::Error}, std::pair{"mode=none", FaultMode::None}}) {
    auto parsed = parseFaultQuery(query);
    ASSERT_TRUE(parsed) << query;
    EXPECT_EQ(parsed->mode, mode) << query;
  }
  EXPECT_TRUE(test::refusesEvery(parseFaultQuery,
                                 {"mode=slow", "mode=slow&latency=0s", "mode=slow&latency=fast",
                                  "mode=down&latency=1s", "mode=off", ""}));
}

// The JSON of GET /fault, with the start time of the mode and its count.
TEST(FaultSwitchTest, StateAndJson) {
  ManualClock clock;
  FaultSwitch faults;
  faults.set({FaultMode::Slow, 500ms}, clock.systemNow());
  faults.countAffected();
  faults.countAffected(2);
  const auto state = faults.state();
  EXPECT_EQ(state.affected_calls, 3u);
  const auto since_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.systemNow().time_since_epoch())
          .count();
  EXPECT_EQ(faultStateJson(state), "{\"mode\": \"slow\", \"latency_ms\": 500, \"since_unix_ms\": " +
                                       std::to_string(since_ms) + ", \"affected_calls\": 3}\n");
  const auto ended = faults.set({FaultMode::None, 0ns}, clock.systemNow());
  EXPECT_EQ(ended.affected_calls, 3u);
  EXPECT_EQ(faults.state().affected_calls, 0u);
  EXPECT_EQ(faults.mode(), FaultMode::None);
}

}  // namespace
}  // namespace outrider::control
