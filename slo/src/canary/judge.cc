#include "outrider/slo/canary/judge.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "outrider/slo/canary/hodges_lehmann.h"
#include "outrider/slo/canary/mann_whitney.h"
#include "outrider/slo/canary/power.h"
#include "outrider/slo/canary/proportion_tests.h"

namespace outrider::slo::canary {
namespace {

constexpr double Inf = std::numeric_limits<double>::infinity();

template <class... Args>
std::string print(const char* format, Args... args) {
  const int size = std::snprintf(nullptr, 0, format, args...);
  std::string text(static_cast<std::size_t>(std::max(size, 0)), '\0');
  std::snprintf(text.data(), text.size() + 1, format, args...);
  return text;
}

// 12.1, 0.512, 153: three digits are what a reader compares.
std::string formatMs(double ms) {
  if (std::fabs(ms) >= 100) {
    return print("%.0f", ms);
  }
  return print("%.3g", ms);
}

// 0.31 -> "31%", 0.041 -> "4.1%", 0.0002 -> "0.02%"; signed: "+31%".
std::string formatPercent(double fraction, bool sign) {
  if (std::isinf(fraction)) {
    return fraction > 0 ? "up from 0" : "down to 0";
  }
  const double percent = 100 * fraction;
  const double size = std::fabs(percent);
  if (size >= 10) {
    return print(sign ? "%+.0f%%" : "%.0f%%", percent);
  }
  if (size >= 1) {
    return print(sign ? "%+.1f%%" : "%.1f%%", percent);
  }
  return print(sign ? "%+.2g%%" : "%.2g%%", percent);
}

std::string formatP(double p) { return p < 1e-4 ? "p<0.0001" : print("p=%.2g", p); }

double median(std::vector<double> values) {
  if (values.empty()) {
    return 0;
  }
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  if (values.size() % 2 == 1) {
    return *middle;
  }
  return (*std::max_element(values.begin(), middle) + *middle) / 2;
}

// The standard deviation of the values around their own variant's mean, both variants pooled:
// m + n - 2 degrees of freedom, twice the baseline's alone at 5 pairs, and a candidate that
// scatters more (kayenta#780's variance increase) makes the judge less sure rather than more.
// NaN without a degree of freedom.
double pooledSpread(const std::vector<double>& a, const std::vector<double>& b) {
  double squares = 0;
  for (const auto* values : {&a, &b}) {
    double mean = 0;
    for (double v : *values) {
      mean += v;
    }
    mean /= static_cast<double>(values->size());
    for (double v : *values) {
      squares += (v - mean) * (v - mean);
    }
  }
  const double df = static_cast<double>(a.size() + b.size()) - 2;
  return df >= 1 ? std::sqrt(squares / df) : std::numeric_limits<double>::quiet_NaN();
}

// How a metric's numbers read: ms for series, percent for fractions.
struct Wording {
  bool fraction = false;  // counts
  Tolerance tolerance;

  std::string value(double v) const {
    return fraction ? formatPercent(v, false) : formatMs(v) + " ms";
  }
  std::string amount(double v, bool sign) const {  // a change or a tolerance, in its terms
    if (tolerance.relative || fraction) {
      return formatPercent(v, sign);
    }
    return (sign && v >= 0 ? "+" : "") + formatMs(v) + " ms";
  }
  std::string tolerated() const { return "the " + amount(tolerance.value, false) + " tolerance"; }
};

// The test's verdict on direction and size; `up` is the direction the test saw.
Classification classify(double p, bool up, double change, const Tolerance& tolerance,
                        double alpha) {
  if (p <= alpha && up && change > tolerance.value) {
    return Classification::High;
  }
  if (p <= alpha && !up && change < -tolerance.value) {
    return Classification::Low;
  }
  return Classification::Pass;
}

void explain(MetricResult& r, bool up, const Wording& wording, const JudgeOptions& options) {
  std::string text = r.name + " " + wording.amount(r.change, true) + " (" +
                     wording.value(r.baseline) + " -> " + wording.value(r.candidate) + "), " +
                     formatP(r.p_value);
  const bool significant = r.p_value <= options.alpha;
  if (r.classification == Classification::High) {
    text += ", over " + wording.tolerated();
  } else if (r.classification == Classification::Low) {
    text += ", an improvement beyond " + wording.tolerated();
  } else if (!significant) {
    text += print(", not significant at alpha %g", options.alpha);
  } else if (std::fabs(r.change) <= r.tolerance.value) {
    text += ", within " + wording.tolerated();
  } else {
    // The merged value moved against the runs (a few outlying seconds can do that).
    text += up ? ", but the runs are higher and the value lower"
               : ", but the runs are lower and the value higher";
  }
  if (r.underpowered) {
    if (std::isinf(r.power)) {
      text +=
          print("; no change is detectable from %zu baseline and %zu candidate runs at alpha %g",
                r.baseline_runs, r.candidate_runs, options.alpha);
    } else {
      text += print("; only a change of %s or more is detectable (%g%% power), above ",
                    wording.amount(r.power, true).c_str(), 100 * options.power_probability) +
              wording.tolerated();
    }
  }
  r.explanation = std::move(text);
}

void noData(MetricResult& r, const std::string& what) {
  r.power = Inf;
  r.underpowered = true;
  r.test = "none";
  r.explanation = r.name + ": " + what + ", nothing to judge";
}

// Each run's median over its finite values; runs without any are left out, with a note.
std::vector<double> runMedians(const std::vector<std::vector<double>>& runs, const char* variant,
                               std::vector<double>& every_value, std::vector<std::string>& notes) {
  std::vector<double> medians;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::vector<double> finite;
    for (double v : runs[i]) {
      if (std::isfinite(v)) {
        finite.push_back(v);
      }
    }
    if (finite.empty()) {
      notes.push_back(print("%s run %zu had no finite value: left out", variant, i + 1));
      continue;
    }
    every_value.insert(every_value.end(), finite.begin(), finite.end());
    medians.push_back(median(std::move(finite)));
  }
  return medians;
}

double relativeChange(double candidate, double baseline) {
  if (baseline > 0) {
    return candidate / baseline - 1;
  }
  return candidate > baseline ? Inf : 0;
}

struct Counts {
  std::vector<std::pair<double, double>> runs;  // (bad, total) of runs with events
  double bad = 0;
  double total = 0;
};

Counts collect(const std::vector<uint64_t>& bad, const std::vector<uint64_t>& total,
               const char* variant, std::vector<std::string>& notes) {
  Counts counts;
  if (bad.size() != total.size()) {
    notes.push_back(
        print("%s has %zu bad counts for %zu totals: the runs past the shorter left out", variant,
              bad.size(), total.size()));
  }
  for (std::size_t i = 0; i < std::min(bad.size(), total.size()); ++i) {
    if (total[i] == 0) {
      notes.push_back(print("%s run %zu had no events: left out", variant, i + 1));
      continue;
    }
    if (bad[i] > total[i]) {
      notes.push_back(print("%s run %zu counted %llu bad of %llu events: left out", variant, i + 1,
                            static_cast<unsigned long long>(bad[i]),
                            static_cast<unsigned long long>(total[i])));
      continue;
    }
    const auto b = static_cast<double>(bad[i]);
    const auto t = static_cast<double>(total[i]);
    counts.runs.emplace_back(b, t);
    counts.bad += b;
    counts.total += t;
  }
  return counts;
}

// Pearson's X^2 of the runs around their variant's fraction, and its degrees of freedom; a
// variant without any bad (or good) event has no binomial variance to compare with and adds none.
void pearson(const Counts& counts, double& x2, double& df) {
  const double p = counts.bad / counts.total;
  if (!(p > 0 && p < 1)) {
    return;
  }
  for (const auto& [bad, total] : counts.runs) {
    const double expected = total * p;
    x2 += (bad - expected) * (bad - expected) / (expected * (1 - p));
  }
  df += static_cast<double>(counts.runs.size()) - 1;
}

void noteUnpaired(std::size_t baseline_runs, std::size_t candidate_runs,
                  std::vector<std::string>& notes) {
  if (baseline_runs != candidate_runs) {
    notes.push_back(print("%zu baseline runs against %zu candidate runs: judged unpaired",
                          baseline_runs, candidate_runs));
  }
}

}  // namespace

std::string_view toString(Classification classification) {
  switch (classification) {
    case Classification::Pass:
      return "pass";
    case Classification::High:
      return "high";
    case Classification::Low:
      return "low";
  }
  return "pass";
}

std::string_view toString(Verdict verdict) {
  switch (verdict) {
    case Verdict::Pass:
      return "pass";
    case Verdict::Marginal:
      return "marginal";
    case Verdict::Fail:
      return "fail";
  }
  return "fail";
}

MetricResult judgeSeries(const SeriesMetricInput& input, const JudgeOptions& options) {
  MetricResult r;
  r.name = input.name;
  r.tolerance = input.tolerance;
  std::vector<double> baseline_values;
  std::vector<double> candidate_values;
  const std::vector<double> baseline =
      runMedians(input.baseline_runs, "baseline", baseline_values, r.notes);
  const std::vector<double> candidate =
      runMedians(input.candidate_runs, "candidate", candidate_values, r.notes);
  r.baseline_runs = baseline.size();
  r.candidate_runs = candidate.size();
  // The merged histogram's percentile is the variant's value when there is one.
  const auto value = [](const std::optional<double>& merged, std::vector<double> values) {
    return merged && std::isfinite(*merged) ? *merged : median(std::move(values));
  };
  r.baseline = value(input.baseline_merged, baseline_values);
  r.candidate = value(input.candidate_merged, candidate_values);
  if (baseline.empty() || candidate.empty()) {
    noData(r, baseline.empty() ? "no per-second values from the baseline's runs"
                               : "no per-second values from the candidate's runs");
    return r;
  }
  noteUnpaired(baseline.size(), candidate.size(), r.notes);
  r.change =
      input.tolerance.relative ? relativeChange(r.candidate, r.baseline) : r.candidate - r.baseline;

  const MannWhitney test = mannWhitney(candidate, baseline);
  r.p_value = test.p_value;
  r.test = test.exact ? "mann-whitney exact on run medians" : "mann-whitney normal on run medians";
  r.effect_size = hodgesLehmannShift(candidate, baseline);
  const double shift =
      minimumDetectableShift(candidate.size(), baseline.size(), pooledSpread(baseline, candidate),
                             options.alpha, options.power_probability);
  if (input.tolerance.relative) {
    r.power = r.baseline > 0 ? shift / r.baseline : Inf;
  } else {
    r.power = shift;
  }
  r.underpowered = !(r.power <= input.tolerance.value);
  const bool up =
      test.u > static_cast<double>(candidate.size()) * static_cast<double>(baseline.size()) / 2;
  r.classification = classify(r.p_value, up, r.change, input.tolerance, options.alpha);
  explain(r, up, Wording{false, input.tolerance}, options);
  return r;
}

MetricResult judgeCounts(const CountMetricInput& input, const JudgeOptions& options) {
  MetricResult r;
  r.name = input.name;
  r.tolerance = input.tolerance;
  const Counts baseline = collect(input.baseline_bad, input.baseline_total, "baseline", r.notes);
  const Counts candidate =
      collect(input.candidate_bad, input.candidate_total, "candidate", r.notes);
  r.baseline_runs = baseline.runs.size();
  r.candidate_runs = candidate.runs.size();
  if (baseline.total == 0 || candidate.total == 0) {
    noData(r, baseline.total == 0 ? "no events in the baseline's runs"
                                  : "no events in the candidate's runs");
    return r;
  }
  noteUnpaired(baseline.runs.size(), candidate.runs.size(), r.notes);
  const double pb = baseline.bad / baseline.total;
  const double pc = candidate.bad / candidate.total;
  r.baseline = pb;
  r.candidate = pc;
  r.effect_size = pc - pb;
  r.change = input.tolerance.relative ? relativeChange(pc, pb) : pc - pb;

  double x2 = 0;
  double df = 0;
  pearson(baseline, x2, df);
  pearson(candidate, x2, df);
  r.dispersion = df >= 1 ? std::max(1.0, x2 / df) : 1.0;
  const double phi = r.dispersion;
  const double bad_c = candidate.bad / phi;
  const double total_c = candidate.total / phi;
  const double bad_b = baseline.bad / phi;
  const double total_b = baseline.total / phi;
  const double all = total_c + total_b;
  const double bad = bad_c + bad_b;
  const double fewest_expected = std::min(total_c, total_b) * std::min(bad, all - bad) / all;
  if (fewest_expected < 5) {
    const auto a = static_cast<uint64_t>(std::llround(bad_c));
    const auto c = static_cast<uint64_t>(std::llround(bad_b));
    const auto row_c = std::max(a, static_cast<uint64_t>(std::llround(total_c)));
    const auto row_b = std::max(c, static_cast<uint64_t>(std::llround(total_b)));
    r.p_value = fisherExact(a, row_c - a, c, row_b - c).p_two_sided;
    r.test = "fisher exact";
  } else {
    r.p_value = twoProportionZ(bad_c, total_c, bad_b, total_b).p_value;
    r.test = "two-proportion z";
  }
  if (phi >= 1.005) {  // visible at three digits
    r.test += print(", counts over dispersion %.3g", phi);
  }
  const double increase =
      minimumDetectableIncrease(pb, total_b, total_c, options.alpha, options.power_probability);
  if (input.tolerance.relative) {
    r.power = pb > 0 ? increase / pb : Inf;
  } else {
    r.power = increase;
  }
  r.underpowered = !(r.power <= input.tolerance.value);
  const bool up = pc > pb;
  r.classification = classify(r.p_value, up, r.change, input.tolerance, options.alpha);
  explain(r, up, Wording{true, input.tolerance}, options);
  return r;
}

CanaryResult judgeCanary(const std::vector<SeriesMetricInput>& series,
                         const std::vector<CountMetricInput>& counts, const JudgeOptions& options) {
  CanaryResult result;
  for (const auto& input : series) {
    result.metrics.push_back(judgeSeries(input, options));
  }
  for (const auto& input : counts) {
    result.metrics.push_back(judgeCounts(input, options));
  }
  std::size_t passing = 0;
  bool high = false;
  bool underpowered = false;
  for (const auto& m : result.metrics) {
    passing += m.classification == Classification::High ? 0 : 1;
    high = high || m.classification == Classification::High;
    underpowered = underpowered || m.underpowered;
  }
  result.score = result.metrics.empty() ? 100
                                        : 100.0 * static_cast<double>(passing) /
                                              static_cast<double>(result.metrics.size());
  for (const auto& m : result.metrics) {
    if (m.classification == Classification::High) {
      result.reasons.push_back(m.explanation);
    }
  }
  for (const auto& m : result.metrics) {
    if (m.classification != Classification::High && m.underpowered) {
      result.reasons.push_back(m.explanation);
    }
  }
  if (result.metrics.empty()) {
    result.reasons.emplace_back("no metric to judge");
  }
  if (!high && result.score < options.marginal_score) {
    result.reasons.push_back(
        print("score %.3g is below the marginal score %g", result.score, options.marginal_score));
  }
  for (const auto& m : result.metrics) {
    for (const auto& note : m.notes) {
      result.reasons.push_back(m.name + ": " + note);
    }
  }
  if (high) {
    result.verdict = Verdict::Fail;
  } else if (underpowered || result.metrics.empty() || result.score < options.marginal_score) {
    result.verdict = Verdict::Marginal;
  } else {
    result.verdict = Verdict::Pass;
  }
  return result;
}

}  // namespace outrider::slo::canary
