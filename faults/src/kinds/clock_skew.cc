// clock-skew: the target is restarted at `at` with its wall clock `skew` off and restarted again
// on the real clock at the end. Our programs (outrider-*) take OUTRIDER_CLOCK_SKEW and run on an
// injected clock; any other program runs under faketime (clock_skew_launch.h). Evidence: when it
// took the skew and when it was back, and how it was shifted.

#include "outrider/common/clock_skew.h"

#include <fmt/format.h>

#include <memory>

#include "kinds.h"
#include "outrider/common/units.h"
#include "outrider/faults/clock_skew_launch.h"

namespace outrider::faults::kinds {
namespace {

// "2h behind", "30m ahead".
std::string skewText(std::chrono::nanoseconds skew) {
  return skew.count() < 0 ? formatDuration(-skew) + " behind" : formatDuration(skew) + " ahead";
}

class ClockSkew final : public ProcessFault {
 public:
  ClockSkew(const PlannedFault& fault, FaultContext& context) : fault_(fault), context_(context) {}

  void begin() override {
    began_at_ = context_.clock.monotonicNow();
    const auto command = context_.pod.command(fault_.target);
    if (command.empty()) {
      error_ = "cannot tell what program " + fault_.target + " runs";
      return;
    }
    injected_ = takesInjectedClock(command);
    std::weak_ptr<bool> alive = alive_;
    context_.pod.restartProcess(fault_.target, clockSkewLaunch(command, fault_.spec.skew),
                                [this, alive](const ProcessRestartReport& report) {
                                  if (alive.lock()) {
                                    skewed_ = report;
                                  }
                                });
  }

  void end() override {
    if (!error_.empty() || ended_) {
      return;
    }
    ended_ = true;
    std::weak_ptr<bool> alive = alive_;
    context_.pod.restartProcess(fault_.target, ProcessLaunch{},
                                [this, alive](const ProcessRestartReport& report) {
                                  if (alive.lock()) {
                                    back_ = report;
                                  }
                                });
  }

  void onProcessEvent(const PodEvent& event) override {
    // Exits of the skewed incarnations (not the ones the restarts themselves caused).
    if (event.kind == PodEvent::Kind::Exited && skewed_ && skewed_->error.empty() && !ended_) {
      ++exits_while_skewed_;
      last_exit_ = event.exit;
    }
  }

  KindEvidence evidence() const override {
    if (!error_.empty()) {
      return {false, error_, 0};
    }
    const std::string how = injected_ ? ClockSkewVariable : "under faketime";
    const std::string skew = skewText(fault_.spec.skew);
    if (!skewed_) {
      return {false,
              fmt::format("the restart of {} with its clock {} begun at {} had not finished",
                          fault_.target, skew, moment(began_at_)),
              0};
    }
    if (!skewed_->error.empty()) {
      return {false,
              fmt::format("{} could not be restarted with its clock {} ({}): {}", fault_.target,
                          skew, how, skewed_->error),
              0};
    }
    std::string text = fmt::format("{} restarted with its clock {} at {} ({})", fault_.target, skew,
                                   moment(skewed_->ready.value_or(began_at_)), how);
    if (exits_while_skewed_ > 0) {
      text += fmt::format("; exited {} time{} while skewed (last: {})", exits_while_skewed_,
                          exits_while_skewed_ == 1 ? "" : "s", last_exit_);
    }
    if (ended_) {  // else still skewed: evidence asked mid-run
      if (!back_) {
        text += "; the restart back on the real clock had not finished";
      } else if (back_->run_stopped) {
        text += "; back on the real clock when the run stopped the pod";
      } else if (!back_->error.empty()) {
        text += "; restarting it back on the real clock failed: " + back_->error;
      } else {
        text += ", back at " + moment(back_->ready.value_or(back_->stop_began));
      }
    }
    return {true, text, 1};
  }

 private:
  std::string moment(MonotonicTime at) const { return runMoment(context_, at, began_at_); }

  const PlannedFault& fault_;
  FaultContext& context_;
  MonotonicTime began_at_{};
  bool injected_ = false;
  bool ended_ = false;
  std::string error_;
  std::optional<ProcessRestartReport> skewed_;
  std::optional<ProcessRestartReport> back_;
  uint64_t exits_while_skewed_ = 0;
  std::string last_exit_;
  // A restart may report after the executor has gone (the run ended meanwhile).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

void registerClockSkew(FaultRegistry& registry) {
  registry.add(processKindEntry<ClockSkew>(
      scenarios::FaultKind::ClockSkew,
      "restart the process with its wall clock `skew` off (outrider-* programs through "
      "OUTRIDER_CLOCK_SKEW, others under faketime), and again on the real clock at the end"));
}

}  // namespace outrider::faults::kinds
