#pragma once

// Tests on bad/total counts of two variants: the pooled two-proportion z test for large counts,
// Fisher's exact test for small ones (R's fisher.test on the 2x2 table). Counts rather than
// per-second ratios, so sparse and zero-inflated errors are judged by how many there were
// (kayenta#426 passed them by comparing mostly-zero ratios).

#include <cstdint>

namespace outrider::slo::canary {

// The 2x2 table {{a, b}, {c, d}}, rows and columns fixed (the hypergeometric law of a).
struct FisherExact {
  double p_less = 1;       // P(A <= a): the row-1 odds lower than row 2's
  double p_greater = 1;    // P(A >= a)
  double p_two_sided = 1;  // every table no more probable than this one (R's relative 1e-7 slack)
};
FisherExact fisherExact(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

// candidate_bad/candidate_total against baseline_bad/baseline_total with the pooled variance.
// Counts are doubles so an effective sample size (counts over a dispersion factor) fits. z > 0
// when the candidate's fraction is higher; z = 0, p = 1 without variance (all bad or none) or
// without totals.
struct ProportionZ {
  double z = 0;
  double p_value = 1;  // two-sided
};
ProportionZ twoProportionZ(double candidate_bad, double candidate_total, double baseline_bad,
                           double baseline_total);

}  // namespace outrider::slo::canary
