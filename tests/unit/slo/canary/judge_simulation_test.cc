// Issue 11's Done-when as a unit test: 10,000 simulated canaries of 5 pairs per case, with the
// noise of real A/A runs on this machine. At most 1% of A/A canaries fail; at least 95% of
// canaries with a +5 ms latency shift, and of those with +0.5% errors, fail.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "outrider/slo/canary/judge.h"
#include "outrider/slo/canary/mann_whitney.h"

namespace outrider::slo::canary {
namespace {

// Measured 2026-12-02 on this machine (2 cores, shared with three engineers building): 16 runs of
// /tmp/aa.toml, the quickstart (outrider-proxy before outrider-echo --latency 1ms, 500 req/s on
// 64 connections) without its [[fault]] tables, 25 s with 5 s of warmup, i.e. 20 measured seconds
// a run; `outrider run /tmp/aa.toml --out /tmp/aa/runN`, read from journal.json's series.p50_ms,
// p99_ms, rps and errors (their first 5 values, the warmup, are 0.0 and left out). Figures in
// log space (0.02 = about 2%):
//   15 quiet runs, p50: level 1.364 ms; run medians scatter 0.0195 (1.331 to 1.432 ms, later runs
//     higher as the other builds started: correlation 0.54 with the run's number); seconds within
//     a run: robust SD 0.028 (MAD), pooled 0.069, 10% beyond 3 MADs and 3% beyond 5, spikes up to
//     +0.51 but never below -0.13; lag-1 autocorrelation 0.30.
//   15 quiet runs, p99: level 10.60 ms; run medians scatter 0.097 (7.77 to 11.97 ms); seconds: MAD
//     0.142, pooled 0.180, 3.3% beyond 3 MADs, spikes of -1.0 and +0.56; autocorrelation 0.26.
//     Run offsets of p50 and p99 correlate 0.23.
//   1 disturbed run (it ran beside a compile of this test): p50 2.46x the quiet level, p99 5.06x,
//     per-second SD 1.77 and 1.58 (p50 seconds from 1.4 to 457 ms), autocorrelation 0.08 and 0.40.
//   Every second sent 500 requests; 0 errors in 160,000.
// The model: a run is disturbed with probability 1/16, else quiet. A quiet run's log values are its
// offset (normal, plus a canary's slope per run position for p50's slow rise: +3% over 8 runs)
// plus AR(1) seconds, plus spikes (p50: upwards, exponential; p99: either way, normal). Fitted
// in Python to the figures above: run medians scatter 0.0195 and 0.0975, MADs 0.027 and 0.143,
// 3.0% and 0.5% of seconds beyond 5 MADs; its pooled SDs (0.053, 0.168) are a little lighter
// than measured. Errors: none were seen, so the baseline errs at the 95% upper bound of 0 in
// 160,000 (3/160,000), to give the count test something to look at.
constexpr int Pairs = 5;
constexpr int Seconds = 20;
constexpr double RequestsPerSecond = 500;
constexpr double DisturbedRunProbability = 1.0 / 16;
constexpr double BaselineErrorFraction = 3.0 / 160000;

struct SeriesNoise {
  double level_ms;
  double run_sd;           // the run's offset (drift between runs)
  double trend_sd;         // a canary's slope per run position (slow drift)
  double second_sd;        // the per-second core, AR(1)
  double autocorrelation;  // lag 1
  double spike_probability;
  double spike_scale;  // exponential mean (upward spikes) or normal SD (either way)
  bool spikes_up;
  double disturbed_offset;  // a disturbed run: its offset, per-second SD, autocorrelation
  double disturbed_sd;
  double disturbed_autocorrelation;
};
constexpr SeriesNoise P50{1.364, 0.017, 0.004, 0.026, 0.30, 0.14, 0.09, true, 0.90, 1.77, 0.08};
constexpr SeriesNoise P99{10.60, 0.085, 0.0, 0.15, 0.26, 0.04, 0.45, false, 1.62, 1.58, 0.40};
constexpr double OffsetCorrelation = 0.23;

struct Shift {
  double latency_ms = 0;  // added to every candidate second's p50 and p99
  double error_fraction = 0;
};

struct SimulatedCanary {
  SeriesMetricInput p50;
  SeriesMetricInput p99;
  CountMetricInput errors;
};

// Draws from a seeded std::mt19937_64. Test code is built at -O0, where the standard
// distributions' template layers cost more than the judge itself; these are the textbook
// transforms written flat (53-bit uniforms, Marsaglia's polar method for normals).
class Draws {
 public:
  explicit Draws(uint64_t seed) : rng_(seed) {}

  double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u = 0;
    double v = 0;
    double s = 0;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    const double factor = std::sqrt(-2 * std::log(s) / s);
    spare_ = v * factor;
    has_spare_ = true;
    return u * factor;
  }
  double exponential() { return -std::log1p(-uniform()); }
  uint64_t binomial(uint64_t n, double p) {
    std::binomial_distribution<uint64_t> draw(n, p);
    return draw(rng_);
  }

 private:
  std::mt19937_64 rng_;
  double spare_ = 0;
  bool has_spare_ = false;
};

class CanarySimulator {
 public:
  explicit CanarySimulator(uint64_t seed) : rng_(seed) {}

  SimulatedCanary next(const Shift& shift) {
    SimulatedCanary canary;
    canary.p50 = metric("latency_p50");
    canary.p99 = metric("latency_p99");
    canary.errors.name = "error_rate";
    canary.errors.tolerance = Tolerance{0.001, false};
    const double trend50 = P50.trend_sd * rng_.normal();
    const double trend99 = P99.trend_sd * rng_.normal();
    for (int position = 0; position < 2 * Pairs; ++position) {
      // A B B A A B ...: pair i runs baseline first when i is even.
      const int pair = position / 2;
      const bool candidate = (position % 2 == 1) == (pair % 2 == 0);
      const bool disturbed = rng_.uniform() < DisturbedRunProbability;
      const double z50 = rng_.normal();
      const double z99 = OffsetCorrelation * z50 +
                         std::sqrt(1 - OffsetCorrelation * OffsetCorrelation) * rng_.normal();
      const double added = candidate ? shift.latency_ms : 0;
      (candidate ? canary.p50.candidate_runs : canary.p50.baseline_runs)
          .push_back(run(P50, disturbed, z50, trend50 * position, added));
      (candidate ? canary.p99.candidate_runs : canary.p99.baseline_runs)
          .push_back(run(P99, disturbed, z99, trend99 * position, added));
      const double fraction = BaselineErrorFraction + (candidate ? shift.error_fraction : 0);
      const auto total = static_cast<uint64_t>(RequestsPerSecond * Seconds);
      (candidate ? canary.errors.candidate_bad : canary.errors.baseline_bad)
          .push_back(rng_.binomial(total, fraction));
      (candidate ? canary.errors.candidate_total : canary.errors.baseline_total).push_back(total);
    }
    return canary;
  }

 private:
  static SeriesMetricInput metric(std::string name) {
    SeriesMetricInput input;
    input.name = std::move(name);
    input.tolerance = Tolerance{0.10, true};
    return input;
  }

  std::vector<double> run(const SeriesNoise& noise, bool disturbed, double z, double trend,
                          double added_ms) {
    const double offset = trend + (disturbed ? noise.disturbed_offset : 0) + noise.run_sd * z;
    const double sd = disturbed ? noise.disturbed_sd : noise.second_sd;
    const double rho = disturbed ? noise.disturbed_autocorrelation : noise.autocorrelation;
    const double innovation = sd * std::sqrt(1 - rho * rho);
    std::vector<double> seconds(Seconds);
    double ar = sd * rng_.normal();
    for (double& value : seconds) {
      ar = rho * ar + innovation * rng_.normal();
      double log_value = offset + ar;
      if (!disturbed && rng_.uniform() < noise.spike_probability) {
        log_value += noise.spikes_up ? noise.spike_scale * rng_.exponential()
                                     : noise.spike_scale * rng_.normal();
      }
      value = noise.level_ms * std::exp(log_value) + added_ms;
    }
    return seconds;
  }

  Draws rng_;
};

struct Tally {
  int canaries = 0;
  int fail = 0;
  int marginal = 0;
  int pass = 0;
  int high[3] = {0, 0, 0};       // p50, p99, errors
  int per_second_fail = 0;       // a per-second Mann-Whitney with the same tolerance gate
  int untolerant_fail = 0;       // some metric significant upwards: High were every tolerance 0
  std::vector<double> power[3];  // each canary's minimum detectable change per metric
  double seconds = 0;

  double medianPower(int metric) {
    auto& values = power[metric];
    std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
    return values[values.size() / 2];
  }

  double rate(int count) const { return static_cast<double>(count) / canaries; }
};

// A per-second test: all seconds of a variant's runs as one sample, High when significant
// upwards with a change over the tolerance, the design the judge's header argues against.
bool perSecondHigh(const SeriesMetricInput& input) {
  std::vector<double> baseline;
  std::vector<double> candidate;
  for (const auto& run : input.baseline_runs) {
    baseline.insert(baseline.end(), run.begin(), run.end());
  }
  for (const auto& run : input.candidate_runs) {
    candidate.insert(candidate.end(), run.begin(), run.end());
  }
  const MannWhitney test = mannWhitney(candidate, baseline);
  const double half = static_cast<double>(candidate.size() * baseline.size()) / 2;
  std::nth_element(baseline.begin(), baseline.begin() + baseline.size() / 2, baseline.end());
  std::nth_element(candidate.begin(), candidate.begin() + candidate.size() / 2, candidate.end());
  const double change = candidate[candidate.size() / 2] / baseline[baseline.size() / 2] - 1;
  return test.p_value <= 0.01 && test.u > half && change > input.tolerance.value;
}

Tally simulate(const Shift& shift, uint64_t seed, int canaries, bool per_second) {
  const auto start = std::chrono::steady_clock::now();
  CanarySimulator simulator(seed);
  Tally tally;
  tally.canaries = canaries;
  for (int i = 0; i < canaries; ++i) {
    SimulatedCanary canary = simulator.next(shift);
    if (per_second) {
      tally.per_second_fail += perSecondHigh(canary.p50) || perSecondHigh(canary.p99) ? 1 : 0;
    }
    std::vector<SeriesMetricInput> series;
    series.push_back(std::move(canary.p50));
    series.push_back(std::move(canary.p99));
    std::vector<CountMetricInput> counts;
    counts.push_back(std::move(canary.errors));
    const CanaryResult result = judgeCanary(series, counts);
    tally.fail += result.verdict == Verdict::Fail ? 1 : 0;
    tally.marginal += result.verdict == Verdict::Marginal ? 1 : 0;
    tally.pass += result.verdict == Verdict::Pass ? 1 : 0;
    bool untolerant = false;
    for (int m = 0; m < 3; ++m) {
      const MetricResult& metric = result.metrics[m];
      tally.high[m] += metric.classification == Classification::High ? 1 : 0;
      tally.power[m].push_back(metric.power);
      untolerant = untolerant || (metric.p_value <= 0.01 && metric.effect_size > 0);
    }
    tally.untolerant_fail += untolerant ? 1 : 0;
  }
  tally.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return tally;
}

std::string describe(const char* name, Tally& t) {
  char line[512];
  std::snprintf(line, sizeof(line),
                "done-when %s: %d canaries of %d pairs: fail %.2f%% (high: p50 %.2f%%, p99 "
                "%.2f%%, errors %.2f%%), marginal %.2f%%, pass %.2f%%; median power: p50 "
                "%+.1f%%, p99 %+.1f%%, errors %+.3f%%; %.2f s",
                name, t.canaries, Pairs, 100 * t.rate(t.fail), 100 * t.rate(t.high[0]),
                100 * t.rate(t.high[1]), 100 * t.rate(t.high[2]), 100 * t.rate(t.marginal),
                100 * t.rate(t.pass), 100 * t.medianPower(0), 100 * t.medianPower(1),
                100 * t.medianPower(2), t.seconds);
  return line;
}

class JudgeSimulationTest : public testing::Test {
 protected:
  void report(const char* name, Tally& t) {
    const std::string line = describe(name, t);
    std::printf("%s\n", line.c_str());
    RecordProperty(std::string(name) + "_fail_rate", std::to_string(t.rate(t.fail)));
    RecordProperty(std::string(name) + "_summary", line);
  }

  static constexpr int Canaries = 10000;  // the Done-when's count; fewer is not allowed
};

// A/A: both variants from the same noise. At most 1% fail. The run-level test's bound is 1/252
// per latency metric (complete separation upwards), and the tolerance gate lowers it further; a
// per-second Mann-Whitney with the same gate would blow the budget, which is why the judge
// works on run medians.
TEST_F(JudgeSimulationTest, AaCanariesRarelyFail) {
  Tally t = simulate(Shift{}, 1101, Canaries, /*per_second=*/true);
  report("aa", t);
  std::printf(
      "done-when aa: a per-second Mann-Whitney with the same tolerances fails %.2f%%; "
      "the run-level test with every tolerance 0 fails %.2f%%\n",
      100 * t.rate(t.per_second_fail), 100 * t.rate(t.untolerant_fail));
  RecordProperty("aa_per_second_fail_rate", std::to_string(t.rate(t.per_second_fail)));
  RecordProperty("aa_zero_tolerance_fail_rate", std::to_string(t.rate(t.untolerant_fail)));
  EXPECT_LE(t.rate(t.fail), 0.01);
  // The run-level test keeps the budget on its own (at most 3 metrics x 1/252 upwards)...
  EXPECT_LE(t.rate(t.untolerant_fail), 0.015);
  // ...where the per-second one breaks it even behind the tolerance gate.
  EXPECT_GT(t.rate(t.per_second_fail), 0.02);
}

// +5 ms on every request of the candidate (p50 1.36 ms -> 6.36 ms): at least 95% fail.
TEST_F(JudgeSimulationTest, FiveMillisecondsSlowerFails) {
  Tally t = simulate(Shift{5.0, 0}, 2202, Canaries, false);
  report("p50_plus_5ms", t);
  EXPECT_GE(t.rate(t.fail), 0.95);
  EXPECT_GE(t.rate(t.high[0]), 0.95);
}

// +0.5% errors in the candidate: at least 95% fail.
TEST_F(JudgeSimulationTest, HalfAPercentMoreErrorsFails) {
  Tally t = simulate(Shift{0, 0.005}, 3303, Canaries, false);
  report("errors_plus_0_5pct", t);
  EXPECT_GE(t.rate(t.fail), 0.95);
  EXPECT_GE(t.rate(t.high[2]), 0.95);
}

}  // namespace
}  // namespace outrider::slo::canary
