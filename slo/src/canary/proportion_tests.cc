#include "outrider/slo/canary/proportion_tests.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "outrider/slo/canary/distributions.h"

namespace outrider::slo::canary {
namespace {

double logChoose(double n, double k) {
  return std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1);
}

}  // namespace

FisherExact fisherExact(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  // a ~ Hypergeometric: row 1 holds r1 = a + b of the N items, column 1 holds c1 = a + c.
  const double r1 = static_cast<double>(a + b);
  const double r2 = static_cast<double>(c + d);
  const double c1 = static_cast<double>(a + c);
  const uint64_t lo = (a + c) > (c + d) ? (a + c) - (c + d) : 0;
  const uint64_t hi = std::min(a + b, a + c);
  // Log weights relative to the largest, so neither exp() nor the sum over- or underflows.
  std::vector<double> log_weight;
  log_weight.reserve(hi - lo + 1);
  for (uint64_t x = lo; x <= hi; ++x) {
    const double xd = static_cast<double>(x);
    log_weight.push_back(logChoose(r1, xd) + logChoose(r2, c1 - xd));
  }
  const double top = *std::max_element(log_weight.begin(), log_weight.end());
  const double observed = log_weight[a - lo];
  double all = 0;
  double less = 0;
  double greater = 0;
  double two_sided = 0;
  for (uint64_t x = lo; x <= hi; ++x) {
    const double lw = log_weight[x - lo];
    const double w = std::exp(lw - top);
    all += w;
    less += x <= a ? w : 0;
    greater += x >= a ? w : 0;
    // R: tables with probability <= observed * (1 + 1e-7).
    two_sided += lw <= observed + std::log1p(1e-7) ? w : 0;
  }
  return FisherExact{std::min(1.0, less / all), std::min(1.0, greater / all),
                     std::min(1.0, two_sided / all)};
}

ProportionZ twoProportionZ(double candidate_bad, double candidate_total, double baseline_bad,
                           double baseline_total) {
  ProportionZ result;
  if (!(candidate_total > 0) || !(baseline_total > 0)) {
    return result;
  }
  const double pc = candidate_bad / candidate_total;
  const double pb = baseline_bad / baseline_total;
  const double pooled = (candidate_bad + baseline_bad) / (candidate_total + baseline_total);
  const double variance = pooled * (1 - pooled) * (1 / candidate_total + 1 / baseline_total);
  if (!(variance > 0)) {
    return result;
  }
  result.z = (pc - pb) / std::sqrt(variance);
  result.p_value = std::min(1.0, 2 * normalUpperTail(std::fabs(result.z)));
  return result;
}

}  // namespace outrider::slo::canary
