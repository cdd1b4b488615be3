#pragma once

#include <chrono>
#include <cstddef>
#include <limits>
#include <optional>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "outrider/common/clock.h"

namespace outrider::sidecar {

// A connection whose deadline and drain are driven by its event loop's ConnectionTracker.
// Both callbacks run on that loop and may only cancel I/O (never add or remove connections).
class TrackedConnection {
 public:
  virtual ~TrackedConnection() = default;

  // Called once the deadline has passed; the deadline is reset to "never" before the call.
  virtual void onDeadline() = 0;
  // Called once when the process starts draining.
  virtual void onDrain() = 0;

  // Moving a deadline is a plain store: the tracker polls, so the hot path arms no timer.
  void setDeadline(MonotonicTime deadline) { deadline_ = deadline; }
  void clearDeadline() { deadline_ = MonotonicTime::max(); }
  MonotonicTime deadline() const { return deadline_; }

 private:
  friend class ConnectionTracker;
  MonotonicTime deadline_ = MonotonicTime::max();
  std::size_t tracker_index_ = std::numeric_limits<std::size_t>::max();
};

// The live connections of one event loop. One periodic timer sweeps every deadline, which costs
// O(connections) per tick instead of a timer re-arm (and a cancelled wait) per request.
// Not thread-safe by design: one tracker per event loop.
class ConnectionTracker {
 public:
  ConnectionTracker(boost::asio::any_io_executor executor, const Clock& clock,
                    std::chrono::nanoseconds tick);
  ConnectionTracker(const ConnectionTracker&) = delete;
  ConnectionTracker& operator=(const ConnectionTracker&) = delete;

  void add(TrackedConnection& connection);
  void remove(TrackedConnection& connection);
  // Calls onDrain() on every tracked connection.
  void drainAll();
  // Fires expired deadlines now; the timer calls this every tick.
  void sweep();

  void start();
  // Stops sweeping and releases the timer; call before the event loop is destroyed.
  void stop();
  std::size_t size() const { return connections_.size(); }

 private:
  void arm();

  const Clock& clock_;
  std::chrono::nanoseconds tick_;
  boost::asio::any_io_executor executor_;
  std::optional<boost::asio::steady_timer> timer_;
  std::vector<TrackedConnection*> connections_;
  bool running_ = false;
};

// The sweep period for a set of timeouts: a tenth of the shortest, clamped to [5ms, 100ms].
std::chrono::nanoseconds sweepTickFor(std::chrono::nanoseconds shortest_timeout);

}  // namespace outrider::sidecar
