#pragma once

#include <chrono>

namespace outrider {

using MonotonicTime = std::chrono::steady_clock::time_point;
using SystemTime = std::chrono::system_clock::time_point;

// The injectable time source (Envoy's TimeSource). Library code never reads a real clock: it is
// handed a Clock, real in main() and manual in tests.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonotonicTime monotonicNow() const = 0;
  virtual SystemTime systemNow() const = 0;
};

// The real clocks. Constructed in main() only (ci/check-real-time enforces it).
class RealClock final : public Clock {
 public:
  MonotonicTime monotonicNow() const override;
  SystemTime systemNow() const override;
};

}  // namespace outrider
