#include "outrider/sidecar/connection_tracker.h"

#include <algorithm>

namespace outrider::sidecar {

ConnectionTracker::ConnectionTracker(boost::asio::any_io_executor executor, const Clock& clock,
                                     std::chrono::nanoseconds tick)
    : clock_(clock), tick_(tick), executor_(std::move(executor)) {}

void ConnectionTracker::add(TrackedConnection& connection) {
  connection.tracker_index_ = connections_.size();
  connections_.push_back(&connection);
}

void ConnectionTracker::remove(TrackedConnection& connection) {
  const std::size_t index = connection.tracker_index_;
  if (index >= connections_.size() || connections_[index] != &connection) {
    return;
  }
  // Swap-remove keeps removal O(1); order does not matter to a sweep.
  connections_[index] = connections_.back();
  connections_[index]->tracker_index_ = index;
  connections_.pop_back();
  connection.tracker_index_ = std::numeric_limits<std::size_t>::max();
}

void ConnectionTracker::drainAll() {
  for (auto* connection : connections_) {
    connection->onDrain();
  }
}

void ConnectionTracker::sweep() {
  const MonotonicTime now = clock_.monotonicNow();
  for (auto* connection : connections_) {
    if (connection->deadline_ <= now) {
      connection->deadline_ = MonotonicTime::max();
      connection->onDeadline();
    }
  }
}

void ConnectionTracker::start() {
  if (!running_) {
    running_ = true;
    timer_.emplace(executor_);
    arm();
  }
}

void ConnectionTracker::stop() {
  running_ = false;
  timer_.reset();
}

void ConnectionTracker::arm() {
  timer_->expires_after(tick_);
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || !running_) {
      return;
    }
    sweep();
    arm();
  });
}

std::chrono::nanoseconds sweepTickFor(std::chrono::nanoseconds shortest_timeout) {
  using std::chrono::milliseconds;
  return std::clamp<std::chrono::nanoseconds>(shortest_timeout / 10, milliseconds(5),
                                              milliseconds(100));
}

}  // namespace outrider::sidecar
