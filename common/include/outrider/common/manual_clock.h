#pragma once

// A clock that moves only when told (Seastar's manual_clock, Envoy's SimulatedTimeSystem). Its
// timers fire when advance() passes their expiry, one expiry at a time and in order, so a unit
// test of a supervisor or a fault executor takes milliseconds however long the scenario.
//
// Single-threaded: create, arm and advance on the thread that runs the timers' executor.

#include <chrono>
#include <functional>
#include <memory>
#include <set>

#include "outrider/common/clock.h"
#include "outrider/common/timer.h"

namespace outrider {

class ManualClock final : public Clock {
 public:
  explicit ManualClock(MonotonicTime start = MonotonicTime(std::chrono::hours(1)),
                       SystemTime system_start = SystemTime(std::chrono::hours(24 * 365 * 50)));
  ~ManualClock() override;
  ManualClock(const ManualClock&) = delete;
  ManualClock& operator=(const ManualClock&) = delete;

  MonotonicTime monotonicNow() const override { return mono_; }
  SystemTime systemNow() const override { return system_; }
  std::unique_ptr<Timer> createTimer(const boost::asio::any_io_executor& executor) const override;

  // Moves time forward by `by`. Each armed timer that falls due fires with the clock standing
  // at its expiry; `settle` runs after each firing (a test passes "run the io_context until it
  // is idle"), so what a firing arms is seen by the same advance.
  void advance(std::chrono::nanoseconds by, const std::function<void()>& settle = {});
  void advanceTo(MonotonicTime at, const std::function<void()>& settle = {});
  // The earliest expiry of an armed timer, or MonotonicTime::max().
  MonotonicTime nextExpiry() const;
  size_t armedTimers() const;

  struct TimerState;  // shared with the waits of one timer

 private:
  void setNow(MonotonicTime now);

  MonotonicTime mono_;
  SystemTime system_;
  MonotonicTime system_anchor_;
  mutable std::set<TimerState*> timers_;
};

}  // namespace outrider
