// [[variant]] and [canary]: what they decode to, what they refuse (located), and applyVariant.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loader_test_helpers.h"
#include "outrider/scenarios/loader.h"

namespace outrider::scenarios {
namespace {

using test::loadOrFail;
using test::problemsIn;
using testing::ElementsAre;
using testing::HasSubstr;

// MinimalScenario (6 lines) and a sidecar: line 12 is the first line after it.
std::string withSidecar(std::string_view extra) {
  return test::withMinimal(R"([[sidecar]]
name = "proxy"
command = ["proxy", "--v1"]
env = { MODE = "old", KEEP = "x" }
restart_backoff = "2s"
)") + std::string(extra);
}

TEST(VariantTest, KeysReplaceTheSidecarsAndTheRestIsKept) {
  Scenario s = loadOrFail(withSidecar(R"([[variant]]
name = "candidate"
sidecar = "proxy"
command = ["proxy", "--v2"]
env = { MODE = "new" }
)"));
  ASSERT_EQ(s.variants.size(), 1u);
  const Variant& v = s.variants[0];
  EXPECT_EQ(v.name, "candidate");
  EXPECT_EQ(v.sidecar, "proxy");
  EXPECT_THAT(v.keys, ElementsAre("command", "env"));
  EXPECT_EQ(v.process.name, "proxy");
  EXPECT_EQ(v.process.role, ProcessRole::Sidecar);
  EXPECT_THAT(v.process.command, ElementsAre("proxy", "--v2"));
  // env is one key: replaced whole, not merged.
  EXPECT_EQ(v.process.env, (std::map<std::string, std::string>{{"MODE", "new"}}));
  EXPECT_EQ(v.process.restart_backoff, std::chrono::seconds(2));
  // The scenario's own sidecar is untouched until applyVariant.
  EXPECT_THAT(s.sidecars[0].command, ElementsAre("proxy", "--v1"));
}

TEST(VariantTest, AVariantWithNoKeysIsTheSidecarAsDeclared) {
  Scenario s = loadOrFail(withSidecar("[[variant]]\nname = \"baseline\"\nsidecar = \"proxy\"\n"));
  ASSERT_EQ(s.variants.size(), 1u);
  EXPECT_TRUE(s.variants[0].keys.empty());
  EXPECT_EQ(s.variants[0].process.command, s.sidecars[0].command);
  EXPECT_EQ(s.variants[0].process.env, s.sidecars[0].env);
}

TEST(VariantTest, ApplyVariantPutsItInPlace) {
  Scenario s = loadOrFail(withSidecar(
      "[[variant]]\nname = \"candidate\"\nsidecar = \"proxy\"\ncommand = [\"other\"]\n"));
  ASSERT_TRUE(applyVariant(s, "candidate"));
  EXPECT_EQ(s.variant, "candidate");
  EXPECT_THAT(s.sidecars[0].command, ElementsAre("other"));
  EXPECT_EQ(s.sidecars[0].name, "proxy");
  auto missing = applyVariant(s, "candidat");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr("no [[variant]] named 'candidat'"));
  EXPECT_THAT(missing.error().message, HasSubstr("(it has: candidate)"));
}

TEST(VariantTest, RefusalsAreLocated) {
  EXPECT_THAT(problemsIn(withSidecar("[[variant]]\nname = \"c\"\nsidecar = \"prox\"\n")),
              ElementsAre("t.toml:14:1: error: variant[0].sidecar: no [[sidecar]] named "
                          "\"prox\" (did you mean \"proxy\"?)"));
  EXPECT_THAT(problemsIn(withSidecar("[[variant]]\nname = \"c\"\nsidecar = \"app\"\n")),
              ElementsAre(HasSubstr("\"app\" is not a sidecar")));
  EXPECT_THAT(problemsIn(withSidecar("[[variant]]\nname = \"Big\"\nsidecar = \"proxy\"\n")),
              ElementsAre(HasSubstr("t.toml:13:1: error: variant[0].name: invalid variant name")));
  EXPECT_THAT(
      problemsIn(withSidecar("[[variant]]\nname = \"c\"\nsidecar = \"proxy\"\ncomand = []\n")),
      ElementsAre(HasSubstr("t.toml:15:1: error: variant[0].comand: unknown key (did you mean "
                            "'command'?)")));
  EXPECT_THAT(problemsIn(withSidecar("[[variant]]\nname = \"c\"\nsidecar = \"proxy\"\n"
                                     "[[variant]]\nname = \"c\"\nsidecar = \"proxy\"\n")),
              ElementsAre(HasSubstr("t.toml:16:1: error: variant[1].name: name 'c' is already "
                                    "used by variant[0]")));
  EXPECT_THAT(problemsIn(withSidecar("[[variant]]\nsidecar = \"proxy\"\n")),
              ElementsAre(HasSubstr("variant[0].name: missing required key")));
}

TEST(CanaryTest, DefaultsWithoutTheTable) {
  Scenario s = loadOrFail(test::withMinimal(""));
  EXPECT_EQ(s.canary.pairs, 5u);
  ASSERT_EQ(s.canary.metrics.size(), 3u);
  EXPECT_EQ(s.canary.metrics[0].name, "error_rate");
  EXPECT_EQ(s.canary.metrics[0].tolerance, (CanaryTolerance{0.001, false, "0.1%"}));
  EXPECT_EQ(s.canary.metrics[2].name, "latency_p99");
  EXPECT_EQ(s.canary.metrics[2].tolerance, (CanaryTolerance{0.10, true, "10%"}));
}

TEST(CanaryTest, MetricsAndTolerances) {
  Scenario s = loadOrFail(test::withMinimal(R"([[slo]]
name = "availability"
sli = "availability"
objective = 0.999
[canary]
pairs = 3
metrics = ["latency_p99", "availability"]
max_regression = { latency_p99 = "2ms", availability = "0.05%" }
)"));
  EXPECT_EQ(s.canary.pairs, 3u);
  ASSERT_EQ(s.canary.metrics.size(), 2u);
  EXPECT_EQ(s.canary.metrics[0].kind, CanaryMetricKind::LatencyP99);
  EXPECT_EQ(s.canary.metrics[0].tolerance, (CanaryTolerance{2.0, false, "2ms"}));
  EXPECT_EQ(s.canary.metrics[1].kind, CanaryMetricKind::Slo);
  EXPECT_NEAR(s.canary.metrics[1].tolerance.value, 0.0005, 1e-12);
  EXPECT_FALSE(s.canary.metrics[1].tolerance.relative);
}

TEST(CanaryTest, RefusalsAreLocated) {
  EXPECT_THAT(problemsIn(test::withMinimal("[canary]\npairs = 0\n")),
              ElementsAre("t.toml:8:1: error: canary.pairs: must be 1 to 100 pairs, got 0"));
  EXPECT_THAT(problemsIn(test::withMinimal("[canary]\nmetrics = [\"latency_p95\"]\n")),
              ElementsAre(HasSubstr(
                  "unknown canary metric \"latency_p95\" (error_rate, latency_p50, latency_p99 or "
                  "an [[slo]] name); did you mean \"latency_p99\"?")));
  EXPECT_THAT(problemsIn(test::withMinimal(
                  "[canary]\nmetrics = [\"error_rate\"]\nmax_regression = { latency_p99 = "
                  "\"10%\" }\n")),
              ElementsAre(HasSubstr("t.toml:9:20: error: canary.max_regression.latency_p99: "
                                    "\"latency_p99\" is not in [canary] metrics")));
  EXPECT_THAT(
      problemsIn(test::withMinimal("[canary]\nmax_regression = { error_rate = \"5ms\" }\n")),
      ElementsAre(HasSubstr("expected a percentage of requests like \"0.1%\", got \"5ms\"")));
  EXPECT_THAT(
      problemsIn(test::withMinimal("[canary]\nmax_regression = { latency_p50 = \"fast\" }\n")),
      ElementsAre(HasSubstr("a duration like \"5ms\", got \"fast\"")));
  EXPECT_THAT(problemsIn(test::withMinimal("[canary]\npair = 3\n")),
              ElementsAre(HasSubstr("canary.pair: unknown key (did you mean 'pairs'?)")));
}

}  // namespace
}  // namespace outrider::scenarios
