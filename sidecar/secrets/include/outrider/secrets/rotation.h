#pragma once

// When outrider-secrets rotates, retries and calls itself degraded: pure functions of a
// certificate's validity window, the time and a seeded generator (SPIRE's rotationutil, AWS's
// "full jitter" back-off), so each answer can be checked as data.

#include <chrono>
#include <cstdint>
#include <random>

#include "outrider/common/clock.h"

namespace outrider::secrets {

struct RotationPolicy {
  // Rotate when this fraction of the lifetime has passed (SPIRE: one half) ...
  double rotate_fraction = 0.5;
  // ... plus or minus up to this fraction of the lifetime, uniform (SPIRE: 10 % of the half-life,
  // so 45-55 % of the lifetime).
  double jitter = 0.05;
  // Failed fetches wait U(0, min(backoff_max, backoff_min * 2^n)) before attempt n+1.
  std::chrono::nanoseconds backoff_min = std::chrono::seconds(1);
  std::chrono::nanoseconds backoff_max = std::chrono::seconds(60);
  // Degraded while less than this fraction of the lifetime remains.
  double degraded_below = 0.25;
};

// A certificate's validity window (NotBefore, NotAfter).
struct ValidityWindow {
  SystemTime not_before;
  SystemTime not_after;
  std::chrono::nanoseconds lifetime() const { return not_after - not_before; }
};

// Where a set stands at `now`.
struct SetHealth {
  bool valid = false;     // not_before <= now < not_after (with the skew allowance)
  bool expired = false;   // now >= not_after
  bool degraded = false;  // expired, or less than degraded_below of the lifetime left
  std::chrono::nanoseconds remaining{0};  // not_after - now, never negative
  double remaining_fraction = 0;          // remaining / lifetime, in [0, 1]
};

// A NotBefore up to this far in the future still counts as valid (the issuer's clock may lead
// ours; SS-9 asks for robustness to 5 minutes of skew).
constexpr std::chrono::minutes NotBeforeSkew{5};

SetHealth assessSet(const ValidityWindow& window, SystemTime now, const RotationPolicy& policy);

// The next point at which a set's health changes on its own (it becomes valid, degraded or
// expired), strictly after `now`; SystemTime::max() when none is left.
SystemTime nextHealthChange(const ValidityWindow& window, SystemTime now,
                            const RotationPolicy& policy);

// The rotation planner: one seeded generator for the jitter of rotations and of retries.
class RotationPlanner {
 public:
  RotationPlanner(RotationPolicy policy, uint64_t seed);

  // not_before + lifetime * (rotate_fraction + U(-jitter, +jitter)), clamped into the window.
  SystemTime rotateAt(const ValidityWindow& window);
  // The wait before retry number `attempt` (0 for the first retry after a failure):
  // U(0, min(backoff_max, backoff_min * 2^attempt)).
  std::chrono::nanoseconds retryDelay(unsigned attempt);

  const RotationPolicy& policy() const { return policy_; }

 private:
  double uniform(double low, double high);

  RotationPolicy policy_;
  std::mt19937_64 random_;
};

}  // namespace outrider::secrets
