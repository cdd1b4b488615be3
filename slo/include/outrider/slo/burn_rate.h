#pragma once

// The burn-rate arithmetic of spec/scenario.md ("SLIs, budgets and alerts"): how fast a window's
// bad events spend the error budget, 1 meaning exactly the rate the objective allows.

namespace outrider::slo {

// A window's events. Doubles, because a clean history adds a fractional rate of synthetic events;
// bad is kept apart from good so that synthetic (always good) events never round the bad count.
struct WindowCounts {
  double bad = 0;
  double total = 0;
};

// (bad / total) / (1 - objective); 0 for a window without events. An objective of 1 leaves no
// budget, so any bad event burns infinitely fast.
double burnRate(const WindowCounts& counts, double objective);

}  // namespace outrider::slo
