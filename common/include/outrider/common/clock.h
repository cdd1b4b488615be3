#pragma once

#include <chrono>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

namespace outrider {

class Timer;

using MonotonicTime = std::chrono::steady_clock::time_point;
using SystemTime = std::chrono::system_clock::time_point;

// The injectable time source (Envoy's TimeSource). Library code never reads a real clock nor
// waits on a real timer: it is handed a Clock, real in main() and manual in tests
// (outrider/common/manual_clock.h), and takes its timers from it (outrider/common/timer.h).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonotonicTime monotonicNow() const = 0;
  virtual SystemTime systemNow() const = 0;
  // A timer whose waits complete on `executor` when this clock reaches the expiry.
  virtual std::unique_ptr<Timer> createTimer(const boost::asio::any_io_executor& executor) const = 0;
};

// The real clocks. Constructed in main() only (ci/check-real-time enforces it).
class RealClock final : public Clock {
 public:
  MonotonicTime monotonicNow() const override;
  SystemTime systemNow() const override;
  std::unique_ptr<Timer> createTimer(const boost::asio::any_io_executor& executor) const override;
};

}  // namespace outrider
