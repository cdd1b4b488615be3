#pragma once

#include <chrono>

#include "outrider/common/clock.h"

namespace outrider::test {

// A clock that moves only when a test says so (Seastar's manual_clock, Envoy's SimulatedTime).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(MonotonicTime start = MonotonicTime(std::chrono::hours(1)),
                       SystemTime system_start = SystemTime(std::chrono::hours(24 * 365 * 50)))
      : mono_(start), system_(system_start) {}

  MonotonicTime monotonicNow() const override { return mono_; }
  SystemTime systemNow() const override { return system_; }

  void advance(std::chrono::nanoseconds by) {
    mono_ += by;
    system_ += std::chrono::duration_cast<SystemTime::duration>(by);
  }
  void advanceTo(MonotonicTime at) { advance(at - mono_); }

 private:
  MonotonicTime mono_;
  SystemTime system_;
};

}  // namespace outrider::test
