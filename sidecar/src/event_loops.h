#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <string_view>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace outrider::sidecar {

// One single-threaded io_context per thread (share-nothing, Envoy's dispatcher per worker).
// Everything a connection touches lives on its loop, so no strand or lock is needed.
class EventLoops {
 public:
  explicit EventLoops(std::size_t count);
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  std::size_t size() const { return contexts_.size(); }
  boost::asio::io_context& at(std::size_t index) { return *contexts_[index]; }
  // Round-robin choice of the loop for the next accepted connection (called on loop 0 only).
  std::size_t nextIndex();

  // Runs loops 1..N-1 on new threads and loop 0 on the caller; returns once all have stopped.
  void run();
  // Stops every loop. Safe from any thread.
  void stop();

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<WorkGuard> guards_;
  std::size_t next_ = 0;
};

// A co_spawn completion token that logs an escaped exception instead of terminating; data-plane
// code reports errors through error codes, so this only fires on a broken invariant or bad_alloc.
struct LogOnException {
  std::string_view where;
  void operator()(const std::exception_ptr& error) const;
};

}  // namespace outrider::sidecar
