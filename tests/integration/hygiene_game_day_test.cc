// Process hygiene end to end (spec/scenario.md, "Process hygiene"): a sidecar's uptime SLO, the
// leak finding from its memory's slope, and the cardinality finding from its series counts.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "game_day_fixture.h"
#include "outrider/faults/host/cgroups.h"
#include "outrider/reports/journal.h"

namespace outrider {
namespace {

using test::GameDayTest;
using test::processNamed;
using testing::HasSubstr;

constexpr double MiB = 1024.0 * 1024.0;

// Measured seconds: the duration less the warmup's whole seconds.
constexpr double UptimeMeasuredSeconds = 10.0 - 3.0;

// Clean: the proxy was ready before t0 and stayed so; its uptime is 1 and the run passes.
TEST_F(GameDayTest, UptimeOfAProxyNeverDownIsOne) {
  const int code = run("gd-uptime-clean");
  auto j = journal();
  const auto* uptime = slo(j, "proxy-uptime");
  ASSERT_NE(uptime, nullptr) << last_output_;
  EXPECT_EQ(uptime->sli, "uptime");
  EXPECT_DOUBLE_EQ(uptime->measured, 1.0);
  EXPECT_EQ(uptime->total, static_cast<uint64_t>(UptimeMeasuredSeconds * 1000));
  EXPECT_EQ(j.verdict, "pass") << last_output_;
  EXPECT_EQ(code, 0);
}

// Killed at 5 s and ready again after its back-off: the uptime SLO reads 1 - down / measured,
// the down time taken from the journal (the exit's time to the next ready time).
TEST_F(GameDayTest, UptimeDropsByTheTimeTheKilledProxyWasDown) {
  run("gd-uptime-kill");
  auto j = journal();
  const auto* proxy = processNamed(j, "proxy");
  ASSERT_NE(proxy, nullptr);
  ASSERT_EQ(proxy->exits.size(), 2u) << last_output_;  // the kill, and the stop at the end
  EXPECT_EQ(proxy->exits[0].signal, std::optional<std::string>("SIGKILL"));
  ASSERT_EQ(proxy->ready_at_s.size(), 2u) << last_output_;
  const double down_s = proxy->ready_at_s[1] - proxy->exits[0].at_s;
  EXPECT_GT(down_s, 1.0);  // the 1 s back-off, then its ready probe
  EXPECT_LT(down_s, 3.0);
  const auto* uptime = slo(j, "proxy-uptime");
  ASSERT_NE(uptime, nullptr);
  const double expected = 1.0 - down_s / UptimeMeasuredSeconds;
  // Journal times are rounded to the millisecond, and so are the SLI's events.
  EXPECT_NEAR(uptime->measured, expected, 0.0005) << fmt::format(
      "down {:.3f}s: expected {:.4f}, measured {:.4f}", down_s, expected, uptime->measured);
  EXPECT_EQ(j.verdict, "fail");
  const bool objective_finding =
      std::any_of(j.findings.begin(), j.findings.end(),
                  [](const auto& f) { return f.kind == "objective" && f.slo == "proxy-uptime"; });
  EXPECT_TRUE(objective_finding);
  std::cout << fmt::format("uptime: down {:.3f}s of {:.0f}s measured, SLI {:.4f}\n", down_s,
                           UptimeMeasuredSeconds, uptime->measured);
}

const reports::FindingRecord* leakFinding(const reports::Journal& j) {
  for (const auto& f : j.findings) {
    if (f.kind == "leak") {
      return &f;
    }
  }
  return nullptr;
}

// F8: a 4 MiB/s allocator in the proxy's cgroup trips max_memory_growth = "20MiB/min"; the same
// pod without it does not.
TEST_F(GameDayTest, LeakOfFourMibPerSecondTripsMaxMemoryGrowthAndACleanPodDoesNot) {
  auto host = faults::host::detectHostCgroups();
  if (!host) {
    GTEST_SKIP() << "this host has no writable cgroups: " << host.error().message;
  }
  run("gd-leak", "leak");
  auto leak = journal("leak");
  const auto* proxy = processNamed(leak, "proxy");
  ASSERT_NE(proxy, nullptr);
  ASSERT_TRUE(proxy->memory_growth_bytes_per_s) << last_output_;
  EXPECT_NEAR(*proxy->memory_growth_bytes_per_s / MiB, 4.0, 0.6);
  const auto* finding = leakFinding(leak);
  ASSERT_NE(finding, nullptr) << last_output_;
  EXPECT_TRUE(finding->fails);
  EXPECT_THAT(finding->detail, HasSubstr("proxy: memory grew"));
  EXPECT_THAT(finding->detail, HasSubstr("> 20MiB/min"));
  // The oom fault counts as effective only when the kernel kills the target, which a leak far
  // under its cap never does: the run is invalid for that, not passed (the leak finding fails
  // it otherwise).
  EXPECT_NE(leak.verdict, "pass");
  EXPECT_THAT(leak.invalid_reasons, testing::Contains(HasSubstr("was not OOM-killed")));

  run("gd-leak-clean", "clean");
  auto clean = journal("clean");
  const auto* clean_proxy = processNamed(clean, "proxy");
  ASSERT_NE(clean_proxy, nullptr);
  ASSERT_TRUE(clean_proxy->memory_growth_bytes_per_s) << last_output_;
  EXPECT_LT(*clean_proxy->memory_growth_bytes_per_s, 20 * MiB / 60);
  EXPECT_EQ(leakFinding(clean), nullptr);
  // Pass when the machine keeps up; a busy one may make the run invalid for the load's own lag,
  // never fail it.
  EXPECT_NE(clean.verdict, "fail") << last_output_;
  for (const auto& reason : clean.invalid_reasons) {
    std::cout << "clean run invalid: " << reason << "\n";
  }
  std::cout << fmt::format("leak slope {:.3f} MiB/s, clean slope {:.1f} B/s\n",
                           *proxy->memory_growth_bytes_per_s / MiB,
                           *clean_proxy->memory_growth_bytes_per_s);
}

const reports::FindingRecord* findingOf(const reports::Journal& j, const std::string& kind) {
  for (const auto& f : j.findings) {
    if (f.kind == kind) {
      return &f;
    }
  }
  return nullptr;
}

// The measured scrapes' series counts of `process` (warmup and the post-load scrape left out).
std::vector<uint64_t> measuredSeries(const reports::Journal& j, const std::string& process,
                                     size_t warmup_s) {
  std::vector<uint64_t> out;
  const auto& counts = j.series.metrics_series.at(process);
  for (size_t i = warmup_s; i < counts.size(); ++i) {
    if (counts[i]) {
      out.push_back(*counts[i]);
    }
  }
  return out;
}

// F5: --metrics-path-label under random paths adds a series per new path, and the cardinality
// finding fails the run; the same pod without the flag keeps its count within 5% of its start.
TEST_F(GameDayTest, PathLabelFloodsTheSeriesAndTheSamePodWithoutItStaysFlat) {
  run("gd-cardinality-flood", "flood");
  auto flood = journal("flood");
  const auto grown = measuredSeries(flood, "proxy", 2);
  ASSERT_GE(grown.size(), 5u) << last_output_;
  // 200 req/s of 100,000 paths: nearly every request a new path, so a new series.
  EXPECT_GT(grown.back(), grown.front() + 1000) << last_output_;
  const auto* finding = findingOf(flood, "cardinality");
  ASSERT_NE(finding, nullptr) << last_output_;
  EXPECT_TRUE(finding->fails);
  EXPECT_THAT(finding->detail, HasSubstr("proxy: "));
  EXPECT_THAT(finding->detail, HasSubstr("> max_series 1000"));
  EXPECT_THAT(finding->detail, HasSubstr("> 100/min"));
  EXPECT_EQ(flood.verdict, "fail") << last_output_;
  EXPECT_EQ(flood.load.failed, 0u);

  run("gd-cardinality-flat", "flat");
  auto flat = journal("flat");
  const auto kept = measuredSeries(flat, "proxy", 2);
  ASSERT_GE(kept.size(), 5u) << last_output_;
  for (uint64_t count : kept) {
    EXPECT_LE(static_cast<double>(count), kept.front() * 1.05);
    EXPECT_GE(static_cast<double>(count), kept.front() * 0.95);
  }
  EXPECT_EQ(findingOf(flat, "cardinality"), nullptr) << last_output_;
  EXPECT_NE(flat.verdict, "fail") << last_output_;
  std::cout << fmt::format("series: flood {} -> {}, flat {} -> {}\n", grown.front(), grown.back(),
                           kept.front(), kept.back());
}

}  // namespace
}  // namespace outrider
