#include "outrider/control/issuance_switch.h"

#include <gtest/gtest.h>

#include "control_test_support.h"
#include "outrider/common/manual_clock.h"

namespace outrider::control {
namespace {

using namespace std::chrono_literals;

int64_t unixMs(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Every mode by name; a ttl of at least 2s, only on the two fault modes.
TEST(IssuanceSwitchTest, ParsesQueries) {
  auto no_renewal = parseIssuanceQuery("mode=no-renewal&ttl=10s");
  ASSERT_TRUE(no_renewal);
  EXPECT_EQ(no_renewal->mode, IssuanceMode::NoRenewal);
  EXPECT_EQ(no_renewal->ttl, 10s);
  EXPECT_EQ(parseIssuanceQuery("ttl=2m&mode=wrong-ca")->ttl, 120s);
  EXPECT_EQ(parseIssuanceQuery("mode=wrong-ca")->ttl, std::nullopt);
  EXPECT_EQ(parseIssuanceQuery("mode=normal")->mode, IssuanceMode::Normal);
  EXPECT_EQ(parseIssuanceQuery("mode=no-renewal&ttl=2500ms")->ttl, 2s);  // whole seconds
  EXPECT_TRUE(
      test::refusesEvery(parseIssuanceQuery, {"mode=no-renewal&ttl=1s", "mode=no-renewal&ttl=soon",
                                              "mode=normal&ttl=10s", "mode=expired", ""}));
}

// Counters start with each mode; the last NotAfter outlives the mode it was seen in.
TEST(IssuanceSwitchTest, CountsAndJson) {
  ManualClock clock;
  IssuanceSwitch issuance;
  issuance.set({IssuanceMode::NoRenewal, 10s}, clock.systemNow());
  const SystemTime not_after = clock.systemNow() + 10s;
  issuance.countHandedOut(/*re_served=*/true, /*wrong_ca=*/false, not_after);
  issuance.countHandedOut(/*re_served=*/true, /*wrong_ca=*/false, not_after);
  issuance.countHandedOut(/*re_served=*/false, /*wrong_ca=*/false, not_after);
  auto state = issuance.state();
  EXPECT_EQ(state.re_served, 2u);
  EXPECT_EQ(state.issued, 1u);
  EXPECT_EQ(issuanceStateJson(state),
            "{\"mode\": \"no-renewal\", \"ttl_ms\": 10000, \"since_unix_ms\": " +
                std::to_string(unixMs(clock.systemNow())) +
                ", \"re_served_certificates\": 2, \"wrong_ca_certificates\": 0, "
                "\"issued_certificates\": 1, \"last_not_after_unix_ms\": " +
                std::to_string(unixMs(not_after)) + "}\n");
  // The same setting again keeps the counts; another one starts afresh.
  issuance.set({IssuanceMode::NoRenewal, 10s}, clock.systemNow() + 1s);
  EXPECT_EQ(issuance.state().re_served, 2u);
  const auto ended = issuance.set({IssuanceMode::WrongCa, std::nullopt}, clock.systemNow());
  EXPECT_EQ(ended.re_served, 2u);
  issuance.countHandedOut(/*re_served=*/false, /*wrong_ca=*/true, not_after + 1s);
  state = issuance.state();
  EXPECT_EQ(state.re_served, 0u);
  EXPECT_EQ(state.wrong_ca, 1u);
  EXPECT_EQ(state.last_not_after, not_after + 1s);
  EXPECT_EQ(issuanceModeName(state.setting.mode), "wrong-ca");
}

}  // namespace
}  // namespace outrider::control
