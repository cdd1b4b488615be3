#pragma once

// A timer from the injected Clock (Envoy's Dispatcher::createTimer): library code waits on these,
// never on a bare asio::steady_timer, so a ManualClock can drive every wait in a unit test.
//
// Semantics follow asio::steady_timer: re-arming or cancelling completes the waits pending at that
// moment with `false`; a wait on a timer whose expiry has passed completes at once with `true`.
// Waits support per-operation cancellation, so a timer's wait may be one branch of an `||`.

#include <chrono>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "outrider/common/clock.h"

namespace outrider {

class Timer {
 public:
  virtual ~Timer() = default;

  virtual void expiresAt(MonotonicTime when) = 0;
  virtual void expiresAfter(std::chrono::nanoseconds after) = 0;
  // Never expires until re-armed: waits park until cancel() (a condition variable's wait).
  void expiresNever() { expiresAt(MonotonicTime::max()); }
  virtual MonotonicTime expiry() const = 0;
  // Completes the pending waits with false; the expiry is kept.
  virtual void cancel() = 0;

  // true when the timer expired, false when it was cancelled, re-armed or destroyed first.
  virtual boost::asio::awaitable<bool> wait() = 0;
};

using TimerPtr = std::unique_ptr<Timer>;

// Waits `duration` on a timer of `clock` on the calling coroutine's executor; false when the
// wait was cancelled (the caller's `||` won elsewhere).
boost::asio::awaitable<bool> sleepFor(const Clock& clock, std::chrono::nanoseconds duration);

}  // namespace outrider
