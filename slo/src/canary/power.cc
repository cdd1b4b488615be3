#include "outrider/slo/canary/power.h"

#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <numbers>
#include <tuple>

#include "outrider/slo/canary/distributions.h"
#include "outrider/slo/canary/mann_whitney.h"

namespace outrider::slo::canary {
namespace {

constexpr double Inf = std::numeric_limits<double>::infinity();

double normalDensity(double z) { return std::exp(-z * z / 2) / std::sqrt(2 * std::numbers::pi); }

// P(all m values of N(shift, 1) lie above all n values of N(0, 1)), plus the mirror event, by
// Simpson's rule over the larger of the n values.
double separationProbability(std::size_t m, std::size_t n, double shift) {
  const auto md = static_cast<double>(m);
  const auto nd = static_cast<double>(n);
  const double from = -10;
  const double to = 10 + shift;
  constexpr int Intervals = 1000;
  const double h = (to - from) / Intervals;
  double sum = 0;
  for (int i = 0; i <= Intervals; ++i) {
    const double y = from + h * i;
    const double above = nd * normalDensity(y) * std::pow(normalCdf(y), nd - 1) *
                         std::pow(normalUpperTail(y - shift), md);
    const double below = md * normalDensity(y - shift) * std::pow(normalCdf(y - shift), md - 1) *
                         std::pow(normalUpperTail(y), nd);
    const double weight = (i == 0 || i == Intervals) ? 1 : (i % 2 == 1 ? 4 : 2);
    sum += weight * (above + below);
  }
  return sum * h / 3;
}

// The shift (in standard deviations) complete separation reaches with probability `power`: a
// few milliseconds of integration, so each (m, n, power) is solved once per process.
double separationShift(std::size_t m, std::size_t n, double power) {
  static std::mutex mutex;
  static std::map<std::tuple<std::size_t, std::size_t, double>, double> solved;
  const std::lock_guard lock(mutex);
  const auto key = std::make_tuple(m, n, power);
  if (const auto found = solved.find(key); found != solved.end()) {
    return found->second;
  }
  double lo = 0;
  double hi = 40;
  if (separationProbability(m, n, hi) < power) {
    return solved[key] = Inf;
  }
  while (hi - lo > 1e-7) {
    const double mid = (lo + hi) / 2;
    if (separationProbability(m, n, mid) < power) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return solved[key] = hi;
}

}  // namespace

double minimumDetectableShift(std::size_t candidate_runs, std::size_t baseline_runs, double spread,
                              double alpha, double power) {
  const std::size_t m = candidate_runs;
  const std::size_t n = baseline_runs;
  if (m == 0 || n == 0 || m + n < 3 || std::isnan(spread) || spread < 0 || !(alpha > 0) ||
      !(power > 0 && power < 1)) {
    return Inf;
  }
  double attained = alpha;
  if (m < 50 && n < 50) {  // the judge's test is exact there
    const auto region = mannWhitneyExactRejection(m, n, alpha);
    if (!region) {
      return Inf;
    }
    if (spread == 0) {
      return 0;  // no noise: any shift shows (and 0 * inf would be NaN)
    }
    if (region->lower == 0) {
      return spread * separationShift(m, n, power);
    }
    attained = region->attained_alpha;
  }
  const int df = static_cast<int>(m + n - 2);
  const double se = std::sqrt(1.0 / static_cast<double>(m) + 1.0 / static_cast<double>(n));
  const double t_shift = studentTQuantile(1 - attained / 2, df) + studentTQuantile(power, df);
  // Mann-Whitney needs pi/3 times the t-test's samples for normal data (its efficiency 3/pi).
  return t_shift * spread * se * std::sqrt(std::numbers::pi / 3);
}

double minimumDetectableIncrease(double baseline_fraction, double baseline_total,
                                 double candidate_total, double alpha, double power) {
  const double pb = baseline_fraction;
  const double nb = baseline_total;
  const double nc = candidate_total;
  if (!(nb > 0) || !(nc > 0) || !(pb >= 0 && pb < 1) || !(alpha > 0 && alpha < 1) ||
      !(power > 0 && power < 1)) {
    return Inf;
  }
  const double z_alpha = normalQuantile(1 - alpha / 2);
  const double z_power = normalQuantile(power);
  // How far the increase d falls short of what detection at this power needs (< 0: short).
  const auto surplus = [&](double d) {
    const double pc = pb + d;
    const double pooled = (nb * pb + nc * pc) / (nb + nc);
    const double null_sd = std::sqrt(pooled * (1 - pooled) * (1 / nb + 1 / nc));
    const double alternative_sd = std::sqrt(pb * (1 - pb) / nb + pc * (1 - pc) / nc);
    return d - (z_alpha * null_sd + z_power * alternative_sd);
  };
  double lo = 0;
  double hi = 1 - pb;
  if (surplus(hi) < 0) {
    return Inf;
  }
  for (int i = 0; i < 100 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    if (surplus(mid) < 0) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return hi;
}

}  // namespace outrider::slo::canary
