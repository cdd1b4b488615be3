#pragma once

// A canary's outcome (spec/journal.md `canary.json`, schema outrider.canary/v1) as typed data, and
// its renderings: canary.md, canary.html and junit.xml. Pure, like the run's reports: the
// harness fills a CanaryReport, these only format it.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "outrider/reports/journal.h"

namespace outrider::reports {

// One run of a canary, in the order it ran.
struct CanaryRun {
  uint32_t pair = 0;    // 1-based
  std::string role;     // baseline | candidate
  std::string variant;  // the [[variant]] it ran
  std::string folder;   // its run folder, relative to the canary's
  int exit_code = 0;    // what `outrider run` would have returned
  std::string verdict;  // the run's own verdict (its SLOs), not the canary's
  double wall_s = 0;
};

struct CanaryMetricRecord {
  std::string name;  // error_rate, latency_p50, latency_p99, or an SLO's name
  std::string unit;  // "ms" or "ratio" (a fraction of requests or events)
  double baseline = 0;
  double candidate = 0;
  double change = 0;     // relative (0.25 = +25%) when the tolerance is, else absolute
  bool relative = true;  // how change and tolerance read
  double p_value = 1;
  double effect_size = 0;  // series: Hodges-Lehmann shift (ms); counts: difference of rates
  std::string tolerance;   // as written ("10%", "5ms", "0.1%")
  double tolerance_value = 0;
  std::string classification;  // pass | high | low
  double power = 0;            // smallest change (like `change`) these runs detect at 80%
  bool underpowered = false;   // power beyond the tolerance: a pass would not be trustworthy
  std::string explanation;
  std::string test;  // the test the p-value is of ("two-proportion z", ...)
};

struct CanaryReport {
  std::string schema = "outrider.canary/v1";
  std::string scenario;
  std::string scenario_file;
  uint64_t seed = 0;
  std::string baseline;
  std::string candidate;
  uint32_t pairs = 0;
  std::vector<CanaryRun> runs;
  std::string verdict;  // pass | marginal | fail | invalid
  double score = 0;     // 0-100
  std::vector<CanaryMetricRecord> metrics;
  std::vector<std::string> reasons;  // why the verdict is what it is, one line each
  std::string started_at;            // RFC 3339 UTC
  double wall_s = 0;
};

nlohmann::ordered_json toJson(const CanaryReport& report);

// canary.md: the verdict, the metric table, the reasons and the runs.
std::string renderCanaryMarkdown(const CanaryReport& report);

// canary.html: canary.md's content plus, per variant, the per-second series (the median over
// its runs of p50, p99 and errors) side by side and the latency distribution of its merged
// histograms. Journals in run order of each variant; either list may be shorter (a canary that
// stopped at an invalid run). Self-contained, every string escaped.
std::string renderCanaryHtml(const CanaryReport& report, const std::vector<Journal>& baseline,
                             const std::vector<Journal>& candidate);

// junit.xml: one testsuite "outrider.canary.<scenario>", one testcase per metric (a <failure>
// when it is high) and "canary.verdict" (an <error> when invalid, a <failure> when fail).
std::string renderCanaryJunit(const CanaryReport& report);

}  // namespace outrider::reports
