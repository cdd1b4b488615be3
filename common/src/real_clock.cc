#include "outrider/common/clock.h"

namespace outrider {

// The one place that reads the real clocks (allowlisted in ci/check-real-time).
MonotonicTime RealClock::monotonicNow() const { return std::chrono::steady_clock::now(); }
SystemTime RealClock::systemNow() const { return std::chrono::system_clock::now(); }

}  // namespace outrider
