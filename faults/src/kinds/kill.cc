// kill: one signal to the target's process group (SIGKILL unless `signal` says otherwise).
// Evidence: the exit of that incarnation, or for a signal that does not end a process (SIGHUP,
// SIGUSR1) its delivery.

#include <csignal>

#include <fmt/format.h>

#include "kinds.h"
#include "outrider/common/units.h"

namespace outrider::faults::kinds {
namespace {

bool expectsExit(int signo) {
  return signo == SIGKILL || signo == SIGTERM || signo == SIGINT || signo == SIGQUIT ||
         signo == SIGABRT || signo == SIGSEGV;
}

class Kill final : public ProcessFault {
 public:
  Kill(const PlannedFault& fault, FaultContext& context) : fault_(fault), context_(context) {}

  void begin() override {
    began_at_ = context_.clock.monotonicNow();
    pid_ = context_.pod.pid(fault_.target);
    if (auto sent = context_.pod.signal(fault_.target, fault_.spec.signal); !sent) {
      error_ = sent.error().message;
      return;
    }
    delivered_ = true;
  }

  void onProcessEvent(const PodEvent& event) override {
    if (event.kind == PodEvent::Kind::Exited && delivered_ && !exit_ && pid_ &&
        event.process == fault_.target && event.pid == pid_) {
      exit_ = event.exit;
      exit_at_ = event.at;
    }
  }

  KindEvidence evidence() const override {
    if (!error_.empty()) {
      return {false, error_, 0};
    }
    const std::string sent =
        fmt::format("{} sent to {} (pid {})", fault_.spec.signal_name, fault_.target,
                    pid_.value_or(0));
    if (exit_) {
      return {true,
              fmt::format("{}; it exited ({}) {:.3f}s later", sent, *exit_,
                          toSeconds(std::chrono::duration_cast<std::chrono::nanoseconds>(
                              exit_at_ - began_at_))),
              1};
    }
    const bool effective = !expectsExit(fault_.spec.signal);
    return {effective, sent + (effective ? "; delivered" : "; no exit followed"),
            effective ? 1u : 0u};
  }

 private:
  const PlannedFault& fault_;
  FaultContext& context_;
  MonotonicTime began_at_{};
  std::optional<pid_t> pid_;
  bool delivered_ = false;
  std::string error_;
  std::optional<std::string> exit_;
  MonotonicTime exit_at_{};
};

}  // namespace

void registerKill(FaultRegistry& registry) {
  FaultKindEntry entry =
      processKindEntry<Kill>(scenarios::FaultKind::Kill,
                             "send a signal to the process group (default SIGKILL); an instant");
  entry.describe = [](const PlannedFault& fault) {
    return fmt::format("kill {} on {}", fault.spec.signal_name, fault.target);
  };
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
