#pragma once

// The canary judge (spec/scenario.md "Variants and canary", spec/journal.md canary.json): per
// metric, is the candidate worse than the baseline by more than the tolerance, and could these
// runs have told? Kayenta's NetflixACAJudge in outline (a rank test, an effect beyond a tolerance,
// High/Low/Pass, a score), changed where it misjudges noisy or sparse data.
//
// Series metrics (latency): the unit of evidence is the run, not the second. Each run is
// summarised by the median of its per-second values, and the candidate's run values are compared
// with the baseline's by Mann-Whitney (exact below 50 runs a side). Seconds of one run share that
// run's offset (a shared machine drifts between runs) and follow each other (autocorrelation), so
// 5 runs of 20 s are not 100 independent values a side; a per-second test counts them as such and
// fails A/A canaries far beyond alpha (the Done-when test measures it). On run values the test is
// distribution-free: when the runs of both variants are exchangeable (A/A, interleaved pairs), it
// reaches p <= alpha with probability at most alpha whatever the noise looks like. At 5 pairs and
// alpha 0.01 only complete separation (p = 2/252) is significant, and only its upper half is High.
//
// Count metrics (error_rate, bad/total): the variants' pooled counts, tested by the two-proportion
// z test, or Fisher's exact test when an expected cell is under 5. Runs whose fractions scatter
// more than binomial noise allows (an error burst in one run) widen the test: every count is
// divided by the quasi-binomial dispersion max(1, Pearson X^2 / df) of the per-run fractions
// around their variant's, an effective sample size.
//
// A metric is High when its test is significant at alpha, the difference points up, and the
// change exceeds the tolerance; Low likewise downwards (an improvement: not a failure); Pass
// otherwise. Power (the minimum detectable change, from the runs' spread and counts) larger than
// the tolerance makes the metric underpowered: its pass cannot be trusted, so the verdict is at
// best marginal. With a tolerance of 0 every pass is underpowered: no sample proves a change of
// exactly zero.
//
// Degenerate input is judged, never refused, and never yields NaN: non-finite per-second values,
// runs without values or without events, and count vectors of unequal length are left out (the
// explanation and reasons say which); a variant without data gives a Pass that is underpowered
// with power +inf; unequal run counts are judged unpaired as they are (the test needs no pairs)
// with a note. Non-finite numbers are +inf only: `power` when no change is detectable, `change` in
// relative terms over a baseline of 0. Writers print them as null, as the journal does.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outrider::slo::canary {

// Kayenta's: High = the candidate's value is higher (worse, for every metric here), Low = lower.
enum class Classification { Pass, High, Low };
// "invalid" is the caller's to decide (a run was invalid).
enum class Verdict { Pass, Marginal, Fail };

std::string_view toString(Classification classification);  // "pass" | "high" | "low"
std::string_view toString(Verdict verdict);                // "pass" | "marginal" | "fail"

// A tolerance from `[canary] max_regression` ("10%" relative to the baseline; for error_rate an
// absolute fraction, "0.1%" = 0.001 more errors; for a series an absolute value is in ms). The
// scenario loader parses the text; this is the value.
struct Tolerance {
  double value = 0;
  bool relative = true;
};

// A latency-like metric (higher is worse): per run, the per-second values (ms) of each measured
// second; run i of baseline and run i of candidate are pair i (same seed, interleaved A B B A ...).
// merged_*: that percentile over the variant's merged histogram (all its runs), ms; without it the
// variant's value is the median of all its per-second values.
struct SeriesMetricInput {
  std::string name;
  std::vector<std::vector<double>> baseline_runs;
  std::vector<std::vector<double>> candidate_runs;
  std::optional<double> baseline_merged;
  std::optional<double> candidate_merged;
  Tolerance tolerance;
};

// A count metric (error_rate, or any SLI as bad/total): per run.
struct CountMetricInput {
  std::string name;
  std::vector<uint64_t> baseline_bad;
  std::vector<uint64_t> baseline_total;
  std::vector<uint64_t> candidate_bad;
  std::vector<uint64_t> candidate_total;
  Tolerance tolerance;
};

struct MetricResult {
  std::string name;
  // The metric's value per variant: ms, or the bad fraction for counts.
  double baseline = 0;
  double candidate = 0;
  // Candidate against baseline in the tolerance's terms: relative (0.25 = +25%) or absolute.
  double change = 0;
  double p_value = 1;  // of the test used (Mann-Whitney on run values, or the count test)
  // Series: the Hodges-Lehmann shift of the run values (ms); counts: the difference of fractions.
  double effect_size = 0;
  Tolerance tolerance;
  Classification classification = Classification::Pass;
  // The smallest change (in `change`'s terms) these samples detect with power_probability at
  // alpha; +inf when none is.
  double power = 0;
  bool underpowered = false;  // power > tolerance: a "pass" here cannot be trusted
  // One line a human reads: "latency_p99 +31% (12.1 ms -> 15.9 ms), p=0.0079, over the 10%
  // tolerance".
  std::string explanation;

  // Added for reports and for checking the judge.
  // "mann-whitney exact on run medians", "two-proportion z", "fisher exact".
  std::string test;
  std::size_t baseline_runs = 0;  // runs that had data
  std::size_t candidate_runs = 0;
  double dispersion = 1;  // counts: the quasi-binomial factor every count was divided by
  // What was left out or judged unpaired: "4 baseline runs against 5 candidate runs: judged
  // unpaired", "candidate run 3 had no finite value: left out".
  std::vector<std::string> notes;
};

struct JudgeOptions {
  double alpha = 0.01;             // a metric's false-High budget in an A/A comparison
  double power_probability = 0.8;  // the detection probability `power` is stated at
  double marginal_score = 75;      // below it the verdict is at best marginal (Kayenta's)
};

struct CanaryResult {
  std::vector<MetricResult> metrics;  // series first, then counts, each in input order
  // 100 * metrics classified Pass or Low / all metrics (Kayenta's; 100 without metrics).
  double score = 0;
  // Fail when any metric is High (every metric is critical, as a gate's must be); else marginal
  // when any is underpowered, the score is under marginal_score or there is no metric; else pass.
  Verdict verdict = Verdict::Pass;
  // Why, one line each, naming the metric and the size of its change: the High metrics, then the
  // underpowered ones, then notes on left-out or unpaired runs.
  std::vector<std::string> reasons;
};

CanaryResult judgeCanary(const std::vector<SeriesMetricInput>& series,
                         const std::vector<CountMetricInput>& counts,
                         const JudgeOptions& options = {});

// One metric at a time; judgeCanary calls these.
MetricResult judgeSeries(const SeriesMetricInput& input, const JudgeOptions& options = {});
MetricResult judgeCounts(const CountMetricInput& input, const JudgeOptions& options = {});

}  // namespace outrider::slo::canary
