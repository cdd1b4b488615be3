#include "outrider/slo/burn_rate.h"

#include <limits>

namespace outrider::slo {

double burnRate(const WindowCounts& counts, double objective) {
  if (counts.total <= 0 || counts.bad <= 0) {
    return 0;
  }
  const double allowed = 1 - objective;
  if (allowed <= 0) {
    return std::numeric_limits<double>::infinity();
  }
  return counts.bad / counts.total / allowed;
}

}  // namespace outrider::slo
