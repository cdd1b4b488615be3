#pragma once

// The Mann-Whitney U test (Wilcoxon rank-sum), two-sided, as R's wilcox.test(candidate, baseline)
// computes it, with one difference: small samples with ties get the exact permutation
// distribution of their mid-rank sum rather than R's normal approximation, so a canary of 5 pairs
// whose run values repeat (a histogram's bucket edges) is still judged exactly.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace outrider::slo::canary {

enum class MannWhitneyMethod {
  Auto,    // exact when both samples have fewer than 50 values (R's rule), normal otherwise
  Exact,   // the exact permutation distribution (ties included); slow past a few hundred values
  Normal,  // tie-corrected normal approximation with continuity correction (R's exact = FALSE)
};

struct MannWhitney {
  // The candidate's U: pairs (c, b) with c > b, a tie counting 1/2. R prints it as W.
  double u = 0;
  // U's standardised distance from m*n/2 (continuity- and tie-corrected); 0 without variance.
  double z = 0;
  double p_value = 1;  // two-sided; 1 when either sample is empty or every value is equal
  bool exact = false;  // p_value came from the exact distribution
};

// NaN values are left out (they have no rank).
MannWhitney mannWhitney(std::span<const double> candidate, std::span<const double> baseline,
                        MannWhitneyMethod method = MannWhitneyMethod::Auto);

// The two-sided exact test of m against n distinct values at level alpha rejects when U <= lower
// or U >= m*n - lower; attained_alpha is that region's probability (at most alpha, often well
// below: the test is discrete). nullopt when even U = 0 is not significant (4 runs against 4 at
// alpha 0.01: p = 2/70).
struct ExactRejection {
  uint64_t lower = 0;
  double attained_alpha = 0;
};
std::optional<ExactRejection> mannWhitneyExactRejection(std::size_t m, std::size_t n, double alpha);

}  // namespace outrider::slo::canary
