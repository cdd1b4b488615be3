// A pod restart's blip as data: failures laid against the window the pod was away in, and the
// failures of requests that were in flight at the app's SIGTERM.

#include "outrider/harness/restart_blip.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace outrider::harness {
namespace {

using namespace std::chrono_literals;

FailedRequest failure(std::chrono::nanoseconds scheduled,
                      std::optional<std::chrono::nanoseconds> sent) {
  return FailedRequest{scheduled, sent};
}

TEST(RestartBlipTest, CountsTheWindowsRequestsAndItsFailuresAndThoseInFlightAtSigterm) {
  // 100 req/s for 20 s, the first 2 s a warmup.
  auto schedule = LoadSchedule::create(100, 20s, 2s);
  ASSERT_TRUE(schedule);
  BlipWindow window{10s, 11500ms, 10s, "app"};
  const std::vector<FailedRequest> failures = {
      failure(9s, 9s),                 // before the window, long answered: neither
      failure(9950ms, 9950ms),         // in flight at the SIGTERM (10 s), 1 s timeout
      failure(10010ms, 10010ms),       // in the window
      failure(11490ms, std::nullopt),  // in the window, never sent
      failure(11500ms, 11500ms),       // the pod was ready again: not the blip's
  };
  const auto blip = measureBlip(window, *schedule, failures, 1s);
  EXPECT_EQ(blip.from_s, 10.0);
  EXPECT_EQ(blip.to_s, 11.5);
  EXPECT_EQ(blip.scheduled, 150u);
  EXPECT_EQ(blip.failed, 2u);
  EXPECT_EQ(blip.sigterm_s, 10.0);
  EXPECT_EQ(blip.in_flight_failed, 1u);
  EXPECT_EQ(describeBlip(blip),
            "the rollout's blip: 2 of 150 requests scheduled while the pod was down (10.00s .. "
            "11.50s) failed; 1 request(s) in flight at the app's SIGTERM failed");
}

TEST(RestartBlipTest, NoneInFlightFailedIsSaidSo) {
  auto schedule = LoadSchedule::create(100, 20s, 0s);
  ASSERT_TRUE(schedule);
  const auto blip =
      measureBlip(BlipWindow{5s, 6s, 5s, "app"}, *schedule, {failure(5500ms, 5500ms)}, 1s);
  EXPECT_EQ(blip.in_flight_failed, 0u);
  EXPECT_THAT(describeBlip(blip),
              ::testing::EndsWith("; none of the requests in flight at the app's SIGTERM failed"));
  // sidecar-exits-first: the stop's first SIGTERM was the sidecar's.
  auto first =
      measureBlip(BlipWindow{5s, 6s, 5s, "ingress"}, *schedule, {failure(4900ms, 4900ms)}, 1s);
  EXPECT_THAT(describeBlip(first),
              ::testing::EndsWith("; 1 request(s) in flight at ingress's SIGTERM failed"));
}

TEST(RestartBlipTest, AttributesOnlyToFaultsThatReportedADisruption) {
  auto schedule = LoadSchedule::create(10, 10s, 0s);
  ASSERT_TRUE(schedule);
  const MonotonicTime t0{std::chrono::hours(1)};
  std::vector<FaultOutcome> outcomes(2);
  outcomes[1].disruption = faults::KindEvidence::Disruption{t0 + 2s, t0 + 3s, std::nullopt, ""};
  std::vector<reports::FaultRecord> records(2);
  records[1].evidence = "pod replaced";
  LoadResult load;
  load.failures = {failure(2500ms, 2500ms)};
  attributeBlips(records, outcomes, t0, *schedule, load, 1s);
  EXPECT_FALSE(records[0].blip.has_value());
  ASSERT_TRUE(records[1].blip.has_value());
  EXPECT_EQ(records[1].blip->failed, 1u);
  EXPECT_FALSE(records[1].blip->in_flight_failed.has_value());
  EXPECT_EQ(records[1].evidence,
            "pod replaced; the rollout's blip: 1 of 10 requests scheduled while the pod was down "
            "(2.00s .. 3.00s) failed");
}

}  // namespace
}  // namespace outrider::harness
