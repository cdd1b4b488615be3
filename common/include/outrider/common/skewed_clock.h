#pragma once

// A clock whose wall time runs a fixed offset off another's: the clock-skew fault's injected
// clock (OUTRIDER_CLOCK_SKEW, clock_skew.h). Only systemNow() moves: monotonic time and timers
// are the base clock's, so timeouts and back-offs keep their real length while everything that
// judges a certificate or stamps a NotBefore sees the skewed wall.

#include <chrono>
#include <memory>

#include "outrider/common/clock.h"
#include "outrider/common/timer.h"

namespace outrider {

class SkewedClock final : public Clock {
 public:
  // `base` must outlive this clock. A negative offset: the wall clock is behind.
  SkewedClock(const Clock& base, std::chrono::nanoseconds offset) : base_(base), offset_(offset) {}

  MonotonicTime monotonicNow() const override { return base_.monotonicNow(); }
  SystemTime systemNow() const override {
    return base_.systemNow() + std::chrono::duration_cast<SystemTime::duration>(offset_);
  }
  std::unique_ptr<Timer> createTimer(const boost::asio::any_io_executor& executor) const override {
    return base_.createTimer(executor);
  }
  std::chrono::nanoseconds offset() const { return offset_; }

 private:
  const Clock& base_;
  const std::chrono::nanoseconds offset_;
};

}  // namespace outrider
