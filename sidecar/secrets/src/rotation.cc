#include "outrider/secrets/rotation.h"

#include <algorithm>
#include <cmath>

namespace outrider::secrets {

namespace {

using std::chrono::duration_cast;
using std::chrono::nanoseconds;

nanoseconds scaled(nanoseconds d, double factor) {
  return nanoseconds(static_cast<int64_t>(std::llround(static_cast<double>(d.count()) * factor)));
}

}  // namespace

SetHealth assessSet(const ValidityWindow& window, SystemTime now, const RotationPolicy& policy) {
  SetHealth health;
  const nanoseconds lifetime = window.lifetime();
  health.expired = now >= window.not_after;
  health.valid = !health.expired && now + NotBeforeSkew >= window.not_before;
  health.remaining =
      health.expired ? nanoseconds(0) : duration_cast<nanoseconds>(window.not_after - now);
  health.remaining_fraction = lifetime.count() > 0
                                  ? std::clamp(static_cast<double>(health.remaining.count()) /
                                                   static_cast<double>(lifetime.count()),
                                               0.0, 1.0)
                                  : 0.0;
  health.degraded = health.expired || health.remaining_fraction < policy.degraded_below;
  return health;
}

SystemTime nextHealthChange(const ValidityWindow& window, SystemTime now,
                            const RotationPolicy& policy) {
  const SystemTime valid_from = window.not_before - NotBeforeSkew;
  // Degraded means *below* the fraction (assessSet), so the change is one tick past the point.
  const SystemTime degraded_at =
      window.not_after -
      duration_cast<SystemTime::duration>(scaled(window.lifetime(), policy.degraded_below)) +
      SystemTime::duration(1);
  SystemTime next = SystemTime::max();
  for (SystemTime at : {valid_from, degraded_at, window.not_after}) {
    if (at > now) {
      next = std::min(next, at);
    }
  }
  return next;
}

RotationPlanner::RotationPlanner(RotationPolicy policy, uint64_t seed)
    : policy_(policy), random_(seed) {}

double RotationPlanner::uniform(double low, double high) {
  if (!(high > low)) {
    return low;
  }
  return std::uniform_real_distribution<double>(low, high)(random_);
}

SystemTime RotationPlanner::rotateAt(const ValidityWindow& window) {
  const double fraction =
      std::clamp(policy_.rotate_fraction + uniform(-policy_.jitter, policy_.jitter), 0.0, 1.0);
  return window.not_before +
         duration_cast<SystemTime::duration>(scaled(window.lifetime(), fraction));
}

nanoseconds RotationPlanner::retryDelay(unsigned attempt) {
  // base * 2^attempt, saturating at the cap (2^62 ns is far beyond any sane cap).
  const unsigned shift = std::min(attempt, 62U);
  const double ceiling = std::min(
      static_cast<double>(policy_.backoff_max.count()),
      std::ldexp(static_cast<double>(policy_.backoff_min.count()), static_cast<int>(shift)));
  return nanoseconds(static_cast<int64_t>(uniform(0.0, std::max(ceiling, 0.0))));
}

}  // namespace outrider::secrets
