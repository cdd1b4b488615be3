#pragma once

// The reference distributions the canary judge's tests and power calculation need, written out
// by hand so the judge depends on <cmath> alone: the standard normal (Wichura's AS241 quantile,
// good to about 1e-16) and Student's t for whole degrees of freedom.

namespace outrider::slo::canary {

// P(Z <= z) for a standard normal Z.
double normalCdf(double z);
// P(Z > z), without the cancellation 1 - normalCdf(z) suffers in the upper tail.
double normalUpperTail(double z);
// The z with P(Z <= z) = p (Wichura 1988, Applied Statistics 37:477, algorithm AS241 PPND16):
// -inf at 0, +inf at 1, NaN outside [0, 1].
double normalQuantile(double p);

// P(T <= t) for Student's t with df >= 1 degrees of freedom (the finite series of Abramowitz and
// Stegun 26.7.3-4, exact for whole df).
double studentTCdf(double t, int df);
// The t with P(T <= t) = p: the Cornish-Fisher expansion (A&S 26.7.5) refined by Newton steps on
// studentTCdf; the closed forms for df 1 and 2. NaN outside (0, 1) or for df < 1.
double studentTQuantile(double p, int df);

}  // namespace outrider::slo::canary
