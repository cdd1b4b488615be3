#include "outrider/common/manual_clock.h"

#include <cstdint>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace outrider {

namespace asio = boost::asio;

// One timer's state, kept alive by its pending waits so a destroyed timer can still wake them.
// `parked` never expires on its own: it is the condition variable the waits sleep on.
struct ManualClock::TimerState {
  explicit TimerState(const asio::any_io_executor& executor) : parked(executor) {
    parked.expires_at(asio::steady_timer::time_point::max());
  }
  asio::steady_timer parked;
  MonotonicTime expiry = MonotonicTime::max();
  uint64_t epoch = 0;                 // bumped by every re-arm, cancel and firing
  uint64_t fired_epoch = UINT64_MAX;  // the epoch whose waits saw the expiry
  bool spent = false;                 // fired; stays in the past until re-armed
};

namespace {

class ManualTimer final : public Timer {
 public:
  ManualTimer(const ManualClock& clock, std::set<ManualClock::TimerState*>& registry,
              const asio::any_io_executor& executor)
      : clock_(clock),
        registry_(registry),
        state_(std::make_shared<ManualClock::TimerState>(executor)) {
    registry_.insert(state_.get());
  }
  ~ManualTimer() override {
    registry_.erase(state_.get());
    wake();
  }

  void expiresAt(MonotonicTime when) override {
    wake();
    state_->expiry = when;
    state_->spent = false;
  }
  void expiresAfter(std::chrono::nanoseconds after) override {
    const MonotonicTime now = clock_.monotonicNow();
    expiresAt(after >= MonotonicTime::max() - now ? MonotonicTime::max() : now + after);
  }
  MonotonicTime expiry() const override { return state_->expiry; }
  void cancel() override { wake(); }

  asio::awaitable<bool> wait() override {
    std::shared_ptr<ManualClock::TimerState> state = state_;
    const uint64_t epoch = state->epoch;
    if (state->expiry <= clock_.monotonicNow()) {
      // Already due: complete through the executor, as asio does.
      co_await asio::post(state->parked.get_executor(), asio::use_awaitable);
      co_return state->epoch == epoch;
    }
    (void)co_await state->parked.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return state->fired_epoch == epoch;
  }

 private:
  // Ends the current epoch: the pending waits complete with false.
  void wake() {
    ++state_->epoch;
    state_->parked.cancel();
  }

  const ManualClock& clock_;
  std::set<ManualClock::TimerState*>& registry_;
  std::shared_ptr<ManualClock::TimerState> state_;
};

}  // namespace

ManualClock::ManualClock(MonotonicTime start, SystemTime system_start)
    : mono_(start), system_(system_start), system_anchor_(start) {}

ManualClock::~ManualClock() = default;

std::unique_ptr<Timer> ManualClock::createTimer(const asio::any_io_executor& executor) const {
  return std::make_unique<ManualTimer>(*this, timers_, executor);
}

void ManualClock::setNow(MonotonicTime now) {
  system_ += std::chrono::duration_cast<SystemTime::duration>(now - mono_);
  mono_ = now;
}

void ManualClock::advance(std::chrono::nanoseconds by, const std::function<void()>& settle) {
  advanceTo(mono_ + by, settle);
}

void ManualClock::advanceTo(MonotonicTime at, const std::function<void()>& settle) {
  if (settle) {
    settle();  // what is ready now runs at the current time, before the clock moves
  }
  for (;;) {
    TimerState* due = nullptr;
    for (TimerState* state : timers_) {
      if (!state->spent && state->expiry <= at &&
          (due == nullptr || state->expiry < due->expiry)) {
        due = state;
      }
    }
    if (due == nullptr) {
      break;
    }
    if (due->expiry > mono_) {
      setNow(due->expiry);
    }
    // Fire: the pending waits complete with true; later waits find the expiry passed.
    due->fired_epoch = due->epoch++;
    due->spent = true;
    due->parked.cancel();
    if (settle) {
      settle();
    }
  }
  if (at > mono_) {
    setNow(at);
  }
  if (settle) {
    settle();
  }
}

MonotonicTime ManualClock::nextExpiry() const {
  MonotonicTime next = MonotonicTime::max();
  for (const TimerState* state : timers_) {
    if (!state->spent) {
      next = std::min(next, state->expiry);
    }
  }
  return next;
}

size_t ManualClock::armedTimers() const {
  size_t armed = 0;
  for (const TimerState* state : timers_) {
    armed += !state->spent && state->expiry != MonotonicTime::max() ? 1 : 0;
  }
  return armed;
}

}  // namespace outrider
