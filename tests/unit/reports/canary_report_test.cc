// canary.json, canary.md, canary.html and junit.xml of a canary: the spec's fields, escaping,
// and a failure for each metric that regressed.
#include "outrider/reports/canary_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace outrider::reports {
namespace {

using testing::HasSubstr;
using testing::Not;

CanaryReport failedCanary() {
  CanaryReport r;
  r.scenario = "canary";
  r.scenario_file = "scenarios/canary.toml";
  r.seed = 7;
  r.baseline = "baseline";
  r.candidate = "slow<b>";
  r.pairs = 1;
  r.runs = {{1, "baseline", "baseline", "runs/pair-1-baseline", 0, "pass", 10},
            {1, "candidate", "slow<b>", "runs/pair-1-candidate", 1, "fail", 11}};
  r.verdict = "fail";
  r.score = 50;
  CanaryMetricRecord p50;
  p50.name = "latency_p50";
  p50.unit = "ms";
  p50.baseline = 1.2;
  p50.candidate = 6.3;
  p50.change = 4.25;
  p50.p_value = 1e-9;
  p50.effect_size = 5.1;
  p50.tolerance = "10%";
  p50.tolerance_value = 0.1;
  p50.classification = "high";
  p50.power = 0.03;
  p50.explanation = "p50 +425% (1.2 ms -> 6.3 ms)";
  CanaryMetricRecord errors;
  errors.name = "error_rate";
  errors.unit = "ratio";
  errors.relative = false;
  errors.p_value = std::numeric_limits<double>::quiet_NaN();
  errors.tolerance = "0.1%";
  errors.classification = "pass";
  errors.power = 0.004;
  errors.underpowered = true;
  r.metrics = {p50, errors};
  r.reasons = {"latency_p50 regressed: +425% (1.2 ms -> 6.3 ms), over the 10% tolerance"};
  return r;
}

TEST(CanaryReportTest, JsonHasTheSpecsFields) {
  const auto j = toJson(failedCanary());
  EXPECT_EQ(j["schema"], "outrider.canary/v1");
  for (const char* key :
       {"scenario", "seed", "baseline", "candidate", "pairs", "runs", "verdict", "score"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  ASSERT_EQ(j["metrics"].size(), 2u);
  const auto& m = j["metrics"][0];
  for (const char* key : {"name", "baseline", "candidate", "change", "p_value", "effect_size",
                          "tolerance", "classification", "power"}) {
    EXPECT_TRUE(m.contains(key)) << key;
  }
  EXPECT_EQ(m["classification"], "high");
  EXPECT_EQ(j["runs"][1]["folder"], "runs/pair-1-candidate");
  // No NaN in JSON: a p-value of no data is null.
  EXPECT_TRUE(j["metrics"][1]["p_value"].is_null());
}

TEST(CanaryReportTest, MarkdownShowsTheVerdictTheChangeAndTheRuns) {
  const std::string md = renderCanaryMarkdown(failedCanary());
  EXPECT_THAT(md, HasSubstr("slow<b> against baseline: fail (score 50/100)"));
  EXPECT_THAT(md, HasSubstr("| `latency_p50` | 1.200 ms | 6.300 ms | **+425.0%** | 10% |"));
  EXPECT_THAT(md, HasSubstr("pass (too little data)"));
  EXPECT_THAT(md, HasSubstr("`runs/pair-1-candidate`"));
}

TEST(CanaryReportTest, HtmlEscapesAndDrawsBothVariants) {
  Journal b;
  b.duration_s = 3;
  b.series.rps = {100, 100, 100};
  b.series.p50_ms = {1, 1.1, 1.2};
  b.series.p99_ms = {2, 2, 2};
  b.series.errors = {0, 0, 0};
  b.load.latency_histogram_ns = {{1'000'000, 300}};
  Journal c = b;
  c.series.p50_ms = {6, 6.1, 6.2};
  c.load.latency_histogram_ns = {{6'000'000, 300}};
  const std::string html = renderCanaryHtml(failedCanary(), {b}, {c});
  EXPECT_THAT(html, HasSubstr("slow&lt;b&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("slow<b>")));
  EXPECT_THAT(html, HasSubstr("p50 latency per second (ms)"));
  EXPECT_THAT(html, HasSubstr("Latency distributions"));
  EXPECT_THAT(html, HasSubstr("<td class=\"n\">6.000</td>"));  // the candidate's merged p50
  EXPECT_THAT(html, HasSubstr(R"(<span class="badge fail">fail</span>)"));
}

TEST(CanaryReportTest, JunitFailsEachRegressedMetricAndTheVerdict) {
  const std::string xml = renderCanaryJunit(failedCanary());
  EXPECT_THAT(xml, HasSubstr(R"(<testsuite name="outrider.canary.canary" tests="3" failures="2")"));
  EXPECT_THAT(xml, HasSubstr(R"(name="latency_p50" time="0">)"
                             "\n      <failure"));
  CanaryReport invalid = failedCanary();
  invalid.verdict = "invalid";
  invalid.metrics.clear();
  EXPECT_THAT(renderCanaryJunit(invalid), HasSubstr(R"(errors="1")"));
}

}  // namespace
}  // namespace outrider::reports
