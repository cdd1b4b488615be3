#pragma once

// The Hodges-Lehmann estimate of the shift between two samples: the median of the m*n
// differences candidate - baseline, the shift Mann-Whitney's U is centred on (R's "difference in
// location" of wilcox.test(conf.int = TRUE) for exact cases). Robust: a few outlying seconds move
// it little, where a difference of means follows them. O(m*n) time and memory, fine for the few
// hundred values a side a canary has.

#include <span>

namespace outrider::slo::canary {

// 0 when either sample is empty; NaN values (and inf - inf) are left out. An even number of
// differences gives the mean of the middle two.
double hodgesLehmannShift(std::span<const double> candidate, std::span<const double> baseline);

}  // namespace outrider::slo::canary
