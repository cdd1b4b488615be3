#include "event_loops.h"

#include <thread>

#include <fmt/core.h>

namespace outrider::sidecar {

EventLoops::EventLoops(std::size_t count) {
  for (std::size_t i = 0; i < std::max<std::size_t>(count, 1); ++i) {
    // Concurrency hint 1: each context is run by exactly one thread.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

std::size_t EventLoops::nextIndex() {
  const std::size_t index = next_;
  next_ = (next_ + 1) % contexts_.size();
  return index;
}

void EventLoops::run() {
  std::vector<std::thread> threads;
  threads.reserve(contexts_.size() - 1);
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads.emplace_back([context = contexts_[i].get()] { context->run(); });
  }
  contexts_[0]->run();
  for (auto& thread : threads) {
    thread.join();
  }
}

void EventLoops::stop() {
  for (auto& context : contexts_) {
    context->stop();
  }
}

void LogOnException::operator()(const std::exception_ptr& error) const {
  if (!error) {
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: connection aborted by exception: {}\n", where, e.what());
  } catch (...) {
    fmt::print(stderr, "{}: connection aborted by unknown exception\n", where);
  }
}

}  // namespace outrider::sidecar
