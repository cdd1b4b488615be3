#include "outrider/harness/backoff.h"

#include <algorithm>

namespace outrider::harness {

namespace {
// A zero initial back-off still grows from here, so a crash loop cannot spin the CPU.
constexpr std::chrono::nanoseconds MinGrowth = std::chrono::milliseconds(1);
}  // namespace

Backoff::Backoff(Policy policy) : policy_(policy), next_(policy.initial) {
  // A restart_backoff above the cap is honoured as given rather than silently shortened.
  policy_.cap = std::max(policy_.cap, policy_.initial);
}

std::chrono::nanoseconds Backoff::nextDelay(std::chrono::nanoseconds ran_for) {
  if (ran_for >= policy_.reset_after) {
    reset();
  }
  const std::chrono::nanoseconds delay = std::min(next_, policy_.cap);
  next_ = std::min(policy_.cap, std::max(delay * 2, MinGrowth));
  return delay;
}

bool shouldRestart(scenarios::RestartPolicy policy, const ExitStatus& status,
                   bool killed_by_liveness) {
  switch (policy) {
    case scenarios::RestartPolicy::Never:
      return false;
    case scenarios::RestartPolicy::OnFailure:
      return killed_by_liveness || !status.success();
    case scenarios::RestartPolicy::Always:
      return true;
  }
  return false;
}

}  // namespace outrider::harness
