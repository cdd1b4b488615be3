#pragma once

// Power: the smallest change a canary's samples detect with a given probability at level alpha
// (the minimum detectable effect). A pass is only worth something when this is smaller than the
// tolerance: "no significant change" from samples that could not have seen one says nothing.

#include <cstddef>

namespace outrider::slo::canary {

// The smallest upward shift of the candidate's run values that the two-sided Mann-Whitney test of
// candidate_runs against baseline_runs values detects with probability `power` at alpha, when the
// values scatter normally with standard deviation `spread` (same unit as the shift). Where the
// exact test only rejects at complete separation (5 runs against 5 at alpha 0.01), that power is
// integrated exactly; elsewhere it is the t-test's shift, with the exact test's attained alpha
// and degrees of freedom runs - 2, over Mann-Whitney's efficiency 3/pi. +inf when no shift is
// detectable: too few runs to ever reach alpha, or no spread estimate (spread NaN or negative).
double minimumDetectableShift(std::size_t candidate_runs, std::size_t baseline_runs, double spread,
                              double alpha, double power);

// The smallest increase of the bad fraction over baseline_fraction that the two-sided pooled
// two-proportion z test detects with probability `power` at alpha (the normal approximation,
// solved for the candidate's fraction; somewhat conservative for Fisher's test at a handful of
// events). Totals may be effective sample sizes (counts over a dispersion factor). +inf without
// totals or room above baseline_fraction.
double minimumDetectableIncrease(double baseline_fraction, double baseline_total,
                                 double candidate_total, double alpha, double power);

}  // namespace outrider::slo::canary
