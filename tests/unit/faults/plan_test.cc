#include "outrider/faults/plan.h"

#include <chrono>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "outrider/common/units.h"
#include "outrider/faults/link_fault.h"

namespace outrider::faults {
namespace {

using namespace std::chrono_literals;
using scenarios::Direction;
using scenarios::FaultKind;
using testing::HasSubstr;

scenarios::Fault fault(std::string name, FaultKind kind, std::chrono::nanoseconds at,
                       std::optional<std::chrono::nanoseconds> duration = std::nullopt) {
  scenarios::Fault f;
  f.name = std::move(name);
  f.kind = kind;
  f.target = scenarios::isLinkFault(kind) ? "upstream" : "proxy";
  f.at = at;
  f.duration = duration;
  return f;
}

scenarios::Scenario scenario() {
  scenarios::Scenario s;
  s.name = "plan";
  s.duration = 60s;
  auto latency = fault("latency-upstream", FaultKind::Latency, 15s, 10s);
  latency.latency = 150ms;
  latency.jitter = 10ms;
  auto abort = fault("http-abort-upstream", FaultKind::HttpAbort, 25s, 5s);
  abort.probability = 0.5;
  auto kill = fault("kill-proxy", FaultKind::Kill, 45s);
  auto bandwidth = fault("bandwidth-upstream", FaultKind::Bandwidth, 5s);  // to the end
  bandwidth.rate_bytes_per_s = 64 * 1024;
  s.faults = {latency, abort, kill, bandwidth};
  return s;
}

// The same scenario and seed compile to the same plan, seeds and text included.
TEST(FaultPlanTest, SameSeedSamePlan) {
  auto a = compilePlan(scenario(), 42);
  auto b = compilePlan(scenario(), 42);
  ASSERT_EQ(a.faults.size(), b.faults.size());
  for (size_t i = 0; i < a.faults.size(); ++i) {
    EXPECT_EQ(a.faults[i].name, b.faults[i].name);
    EXPECT_EQ(a.faults[i].seed, b.faults[i].seed);
    EXPECT_EQ(a.faults[i].start, b.faults[i].start);
    EXPECT_EQ(a.faults[i].end, b.faults[i].end);
  }
  EXPECT_EQ(renderPlan(a), renderPlan(b));
}

// Different run seeds give every fault a different seed; faults of one run differ too.
TEST(FaultPlanTest, DifferentSeedsDiffer) {
  std::set<uint64_t> seeds;
  for (uint64_t run_seed = 0; run_seed < 1000; ++run_seed) {
    auto plan = compilePlan(scenario(), run_seed);
    for (const auto& f : plan.faults) {
      seeds.insert(f.seed);
    }
  }
  EXPECT_EQ(seeds.size(), 4000u);
  EXPECT_NE(renderPlan(compilePlan(scenario(), 1)), renderPlan(compilePlan(scenario(), 2)));
}

// Faults sort by start; windows come from at + duration or run to the end.
TEST(FaultPlanTest, SortedWindows) {
  auto plan = compilePlan(scenario(), 7);
  ASSERT_EQ(plan.faults.size(), 4u);
  EXPECT_EQ(plan.faults[0].name, "bandwidth-upstream");
  EXPECT_EQ(plan.faults[0].start, 5s);
  EXPECT_EQ(plan.faults[0].end, 60s);  // no duration: until the end of the run
  EXPECT_EQ(plan.faults[0].index, 3u);
  EXPECT_TRUE(plan.faults[0].is_link);
  EXPECT_EQ(plan.faults[1].name, "latency-upstream");
  EXPECT_EQ(plan.faults[1].end, 25s);
  EXPECT_EQ(plan.faults[2].name, "http-abort-upstream");
  EXPECT_EQ(plan.faults[3].name, "kill-proxy");
  EXPECT_FALSE(plan.faults[3].is_link);
  EXPECT_TRUE(plan.faults[3].instant);
  EXPECT_EQ(plan.faults[3].end, 45s);
  EXPECT_EQ(plan.faults[3].spec.signal_name, "SIGKILL");
  EXPECT_EQ(plan.find("kill-proxy"), &plan.faults[3]);
  EXPECT_EQ(plan.find("nope"), nullptr);
}

// Actions are by offset; a stop and a start at the same offset hand over (stop first); an
// instant has no stop.
TEST(FaultPlanTest, ActionOrder) {
  auto plan = compilePlan(scenario(), 7);
  std::vector<std::string> seen;
  for (const auto& action : plan.actions) {
    seen.push_back(formatDuration(action.offset) + " " + toString(action.type) + " " +
                   plan.faults[action.fault].name);
  }
  EXPECT_THAT(seen, testing::ElementsAre("5s start bandwidth-upstream",
                                         "15s start latency-upstream",
                                         "25s stop latency-upstream",
                                         "25s start http-abort-upstream",
                                         "30s stop http-abort-upstream", "45s start kill-proxy",
                                         "1m stop bandwidth-upstream"));
}

// A window past the run's end is clipped to it; a zero-length window starts before it stops.
TEST(FaultPlanTest, ClippingAndZeroLength) {
  scenarios::Scenario s;
  s.duration = 20s;
  auto long_one = fault("long", FaultKind::Blackhole, 10s, 30s);
  auto empty = fault("empty", FaultKind::Reset, 10s, 0s);
  auto before = fault("before", FaultKind::Latency, 0s, 10s);
  s.faults = {long_one, empty, before};
  auto plan = compilePlan(s, 1);
  const auto* clipped = plan.find("long");
  ASSERT_NE(clipped, nullptr);
  EXPECT_EQ(clipped->end, 20s);
  std::vector<std::pair<std::string, PlanActionType>> at_ten;
  for (const auto& action : plan.actions) {
    if (action.offset == 10s) {
      at_ten.emplace_back(plan.faults[action.fault].name, action.type);
    }
  }
  EXPECT_THAT(at_ten, testing::ElementsAre(std::pair{std::string("before"), PlanActionType::Stop},
                                           std::pair{std::string("long"), PlanActionType::Start},
                                           std::pair{std::string("empty"), PlanActionType::Start},
                                           std::pair{std::string("empty"), PlanActionType::Stop}));
}

// p = 0.5 over 10 000 requests picks about half, the same set for the same seed, another set
// for another seed.
TEST(FaultPlanTest, DecideIsSeededAndFair) {
  auto plan_a = compilePlan(scenario(), 42);
  auto plan_b = compilePlan(scenario(), 43);
  const PlannedFault& a = *plan_a.find("http-abort-upstream");
  const PlannedFault& b = *plan_b.find("http-abort-upstream");
  std::vector<uint64_t> first;
  std::vector<uint64_t> again;
  std::vector<uint64_t> other;
  for (uint64_t request = 0; request < 10000; ++request) {
    if (decide(a, /*connection=*/3, request)) {
      first.push_back(request);
    }
    if (decide(a, 3, request)) {
      again.push_back(request);
    }
    if (decide(b, 3, request)) {
      other.push_back(request);
    }
  }
  EXPECT_NEAR(static_cast<double>(first.size()), 5000.0, 200.0);  // 4 sigma
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
  PlannedFault always = a;
  always.spec.probability = 1.0;
  PlannedFault never = a;
  never.spec.probability = 0.0;
  EXPECT_TRUE(decide(always, 0, 0));
  EXPECT_FALSE(decide(never, 0, 0));
}

// Draws are uniform in [0, 1) and differ between streams.
TEST(FaultPlanTest, UniformDraws) {
  double sum = 0;
  double low = 1;
  double high = 0;
  for (uint64_t n = 0; n < 100000; ++n) {
    const double u = uniform01(99, 5, n);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    low = std::min(low, u);
    high = std::max(high, u);
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.005);
  EXPECT_LT(low, 0.001);
  EXPECT_GT(high, 0.999);
  EXPECT_NE(uniform01(99, 5, 0), uniform01(99, 6, 0));
  EXPECT_NE(uniform01(99, 5, 0), uniform01(100, 5, 0));
}

// One-line descriptions as the plan and the journal print them.
TEST(FaultPlanTest, Describe) {
  auto plan = compilePlan(scenario(), 1);
  EXPECT_EQ(describe(*plan.find("latency-upstream")),
            "latency 150ms ±10ms on upstream (downstream), p=1");
  EXPECT_EQ(describe(*plan.find("http-abort-upstream")), "http-abort 503 on upstream, p=0.5");
  EXPECT_EQ(describe(*plan.find("kill-proxy")), "kill SIGKILL on proxy");
  EXPECT_EQ(describe(*plan.find("bandwidth-upstream")),
            "bandwidth 64KiB/s on upstream (downstream), p=1");
  PlannedFault reset;
  reset.spec = fault("r", FaultKind::Reset, 0s);
  reset.spec.after = 2s;
  reset.spec.direction = Direction::Both;
  EXPECT_EQ(describe(reset), "reset 2s after the first byte on upstream (both), p=1");
  PlannedFault slicer;
  slicer.spec = fault("s", FaultKind::Slicer, 0s);
  slicer.spec.average_size = 64;
  slicer.spec.size_variation = 16;
  slicer.spec.delay = 1ms;
  EXPECT_EQ(describe(slicer), "slicer 64B ±16B slices, 1ms apart on upstream (downstream), p=1");
}

// The plan text lists windows, descriptions and seeds, then the actions.
TEST(FaultPlanTest, Render) {
  auto text = renderPlan(compilePlan(scenario(), 42));
  EXPECT_THAT(text, HasSubstr("fault plan: 4 faults, run seed 42"));
  EXPECT_THAT(text, HasSubstr("15s .. 25s"));
  EXPECT_THAT(text, HasSubstr("latency 150ms ±10ms on upstream (downstream), p=1"));
  EXPECT_THAT(text, HasSubstr("[seed "));
  EXPECT_THAT(text, HasSubstr("45s  start kill-proxy"));
  EXPECT_EQ(renderPlan(compilePlan(scenarios::Scenario{}, 1)), "fault plan: none\n");
}

// Evidence lines name what the fault did and out of how much.
TEST(FaultEvidenceTest, Lines) {
  auto plan = compilePlan(scenario(), 42);
  FaultEvidence counts;
  counts.injections = 2480;
  counts.opportunities = 4960;
  EXPECT_EQ(describeEvidence(*plan.find("http-abort-upstream"), true, counts),
            "503 on 2480 of 4960 requests");
  counts.injections = 5000;
  counts.opportunities = 5000;
  EXPECT_EQ(describeEvidence(*plan.find("latency-upstream"), true, counts),
            "5000 of 5000 replies delayed ≥140ms");
  counts.connections_affected = 3;
  EXPECT_EQ(describeEvidence(*plan.find("latency-upstream"), false, counts),
            "5000 of 5000 reply chunks delayed ≥140ms on 3 connections");
  PlannedFault reset;
  reset.spec = fault("r", FaultKind::Reset, 0s);
  counts.injections = 812;
  counts.opportunities = 812;
  EXPECT_EQ(describeEvidence(reset, false, counts), "812 connections reset (812 connections seen)");
}

}  // namespace
}  // namespace outrider::faults
