// pause: SIGSTOP to the target's group for the window, then SIGCONT (always, whatever happened).
// Evidence: the process seen in state T (stopped) while the fault held it.

#include <csignal>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <fmt/format.h>

#include "kinds.h"
#include "outrider/common/timer.h"
#include "outrider/common/units.h"

namespace outrider::faults::kinds {
namespace {

namespace asio = boost::asio;

// The kernel stops a group asynchronously: look this long after SIGSTOP, before a liveness probe
// or the end of the window can change what there is to see.
constexpr std::chrono::milliseconds LookAfter{100};

bool stopped(char state) { return state == 'T' || state == 't'; }

class Pause final : public ProcessFault {
 public:
  Pause(const PlannedFault& fault, FaultContext& context)
      : fault_(fault), context_(context), look_(context.clock.createTimer(context.executor)) {}

  void begin() override {
    began_at_ = context_.clock.monotonicNow();
    pid_ = context_.pod.pid(fault_.target);
    if (auto sent = context_.pod.signal(fault_.target, SIGSTOP); !sent) {
      error_ = sent.error().message;
      return;
    }
    holding_ = true;
    look_->expiresAfter(LookAfter);
    asio::co_spawn(context_.executor, lookLater(), asio::detached);
  }

  void end() override {
    ended_at_ = context_.clock.monotonicNow();
    look_->cancel();
    if (!holding_) {
      return;
    }
    holding_ = false;
    // Look again unless already seen stopped: on a loaded host the first look may have come
    // before the kernel stopped the whole group.
    if (!stopped(observed_) && pid_) {
      observed_ = context_.pod.schedulerState(*pid_);
    }
    // SIGCONT whatever happened: a process must never be left stopped.
    (void)context_.pod.signal(fault_.target, SIGCONT);
  }

  KindEvidence evidence() const override {
    if (!error_.empty()) {
      return {false, error_, 0};
    }
    const bool effective = stopped(observed_);
    const auto held = std::chrono::duration_cast<std::chrono::nanoseconds>(
        ended_at_.value_or(context_.clock.monotonicNow()) - began_at_);
    if (effective) {
      return {true,
              fmt::format("{} (pid {}) seen stopped (state T), held {:.1f}s, then SIGCONT",
                          fault_.target, pid_.value_or(0), toSeconds(held)),
              1};
    }
    return {false,
            fmt::format("{} (pid {}) was not seen stopped (state '{}')", fault_.target,
                        pid_.value_or(0), observed_ ? observed_ : '?'),
            0};
  }

 private:
  asio::awaitable<void> lookLater() {
    // Touches nothing unless the timer expired: cancelled or destroyed means the fault is gone.
    // (The wait is a statement of its own: GCC 12 miscompiles co_await inside `&&`.)
    const bool expired = co_await look_->wait();
    if (expired && holding_ && pid_) {
      observed_ = context_.pod.schedulerState(*pid_);
    }
  }

  const PlannedFault& fault_;
  FaultContext& context_;
  TimerPtr look_;
  MonotonicTime began_at_{};
  std::optional<MonotonicTime> ended_at_;
  std::optional<pid_t> pid_;
  bool holding_ = false;
  char observed_ = 0;
  std::string error_;
};

}  // namespace

void registerPause(FaultRegistry& registry) {
  registry.add(processKindEntry<Pause>(scenarios::FaultKind::Pause,
                                       "SIGSTOP the process group for the duration, then SIGCONT"));
}

}  // namespace outrider::faults::kinds
