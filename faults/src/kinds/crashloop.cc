// crashloop: SIGKILL to the target each time it becomes ready, for the window; with `restart`
// and its back-off that is the crash loop a bad rollout shows. Evidence: the kills.

#include <csignal>

#include <fmt/format.h>

#include "kinds.h"

namespace outrider::faults::kinds {
namespace {

class Crashloop final : public ProcessFault {
 public:
  Crashloop(const PlannedFault& fault, FaultContext& context) : fault_(fault), context_(context) {}

  void begin() override {
    active_ = true;
    if (context_.pod.isReady(fault_.target)) {
      kill();
    }
  }
  void end() override { active_ = false; }

  void onProcessEvent(const PodEvent& event) override {
    if (active_ && event.kind == PodEvent::Kind::Ready && event.process == fault_.target) {
      kill();
    }
  }

  KindEvidence evidence() const override {
    return {kills_ > 0,
            fmt::format("{} killed {} time(s) as it became ready", fault_.target, kills_), kills_};
  }

 private:
  void kill() {
    if (context_.pod.signal(fault_.target, SIGKILL)) {
      ++kills_;
    }
  }

  const PlannedFault& fault_;
  FaultContext& context_;
  bool active_ = false;
  uint64_t kills_ = 0;
};

}  // namespace

void registerCrashloop(FaultRegistry& registry) {
  registry.add(processKindEntry<Crashloop>(
      scenarios::FaultKind::Crashloop,
      "SIGKILL the process each time it becomes ready, for the duration"));
}

}  // namespace outrider::faults::kinds
