#include "outrider/common/clock.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "outrider/common/timer.h"

namespace outrider {

namespace asio = boost::asio;

namespace {

class RealTimer final : public Timer {
 public:
  explicit RealTimer(const asio::any_io_executor& executor) : timer_(executor) {}

  void expiresAt(MonotonicTime when) override { timer_.expires_at(when); }
  void expiresAfter(std::chrono::nanoseconds after) override { timer_.expires_after(after); }
  MonotonicTime expiry() const override { return timer_.expiry(); }
  void cancel() override { timer_.cancel(); }

  asio::awaitable<bool> wait() override {
    // Touches no member after the wait: the timer may be destroyed while it is pending.
    auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }

 private:
  asio::steady_timer timer_;
};

}  // namespace

// The one place that reads the real clocks and makes real timers (allowlisted in
// ci/check-real-time).
MonotonicTime RealClock::monotonicNow() const { return std::chrono::steady_clock::now(); }
SystemTime RealClock::systemNow() const { return std::chrono::system_clock::now(); }

std::unique_ptr<Timer> RealClock::createTimer(const asio::any_io_executor& executor) const {
  return std::make_unique<RealTimer>(executor);
}

asio::awaitable<bool> sleepFor(const Clock& clock, std::chrono::nanoseconds duration) {
  auto timer = clock.createTimer(co_await asio::this_coro::executor);
  timer->expiresAfter(duration);
  co_return co_await timer->wait();
}

}  // namespace outrider
