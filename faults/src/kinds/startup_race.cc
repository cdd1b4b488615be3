// startup-race: a pod-restart with a race applied to one sidecar (app-first, sidecar-slow,
// sidecar-crash-on-start, sidecar-exits-first). Evidence: the start, ready and exit order that
// was observed, and whether it shows the race: the app started before the sidecar was ready, the
// sidecar started `delay` after the pod stopped, the sidecar exited `times` times right after
// starting, or the sidecar exited before the app.

#include <fmt/format.h>

#include "kinds.h"
#include "outrider/common/units.h"
#include "pod_restart_kind.h"

namespace outrider::faults::kinds {
namespace {

using scenarios::StartupRaceMode;

// The loader names the [app] process "app" (scenario.h).
constexpr const char* AppName = "app";

class StartupRace final : public PodRestartKind {
 public:
  using PodRestartKind::PodRestartKind;

  KindEvidence evidence() const override {
    KindEvidence out;
    const auto [effective, what] = observedRace();
    out.effective = effective;
    out.injections = effective ? 1 : 0;
    out.text = fmt::format("{}; {}; {}", what, orderText(), restartText());
    out.disruption = disruption();
    return out;
  }

 private:
  PodRestartRequest request() const override {
    PodRestartRequest out;
    out.race = fault_.spec.startup_race_mode;
    out.sidecar = fault_.target;
    out.delay = fault_.spec.delay;
    out.crash_times = fault_.spec.times;
    return out;
  }

  static double seconds(MonotonicTime::duration d) {
    return toSeconds(std::chrono::duration_cast<std::chrono::nanoseconds>(d));
  }

  const Seen* first(PodEvent::Kind kind, const std::string& process) const {
    for (const auto& seen : seen_) {
      if (seen.kind == kind && seen.process == process) {
        return &seen;
      }
    }
    return nullptr;
  }

  // Whether the order observed shows the race, and a phrase saying what was seen.
  std::pair<bool, std::string> observedRace() const {
    const std::string& sidecar = fault_.target;
    switch (fault_.spec.startup_race_mode) {
      case StartupRaceMode::AppFirst: {
        const Seen* app = first(PodEvent::Kind::Started, AppName);
        const Seen* ready = first(PodEvent::Kind::Ready, sidecar);
        if (app && (!ready || app->at < ready->at)) {
          return {true, fmt::format("app started at {} before {} was ready{}", offset(app->at),
                                    sidecar, ready ? " at " + offset(ready->at) : "")};
        }
        return {false, fmt::format("app did not start before {} was ready", sidecar)};
      }
      case StartupRaceMode::SidecarSlow: {
        const Seen* started = first(PodEvent::Kind::Started, sidecar);
        if (started && report_ && report_->stopped &&
            started->at - *report_->stopped >= fault_.spec.delay) {
          return {true, fmt::format("{} started at {}, {:.2f}s after the pod had stopped", sidecar,
                                    offset(started->at), seconds(started->at - *report_->stopped))};
        }
        return {false, fmt::format("{} was not seen starting {} late", sidecar,
                                   formatDuration(fault_.spec.delay))};
      }
      case StartupRaceMode::SidecarCrashOnStart: {
        // Exits of the incarnations started by the restart (the stop's own exit came before).
        uint32_t crashes = 0;
        bool restarted = false;
        for (const auto& seen : seen_) {
          if (report_ && report_->ready && seen.at > *report_->ready) {
            break;  // the pod is back: a later exit is the run's, not a crash on start
          }
          if (seen.process != sidecar) {
            continue;
          }
          restarted = restarted || seen.kind == PodEvent::Kind::Started;
          crashes += restarted && seen.kind == PodEvent::Kind::Exited ? 1 : 0;
        }
        return {crashes >= fault_.spec.times,
                fmt::format("{} exited {} of {} time(s) right after starting", sidecar, crashes,
                            fault_.spec.times)};
      }
      case StartupRaceMode::SidecarExitsFirst: {
        const Seen* gone = first(PodEvent::Kind::Exited, sidecar);
        const Seen* app = first(PodEvent::Kind::Exited, AppName);
        if (gone && (!app || gone->at < app->at)) {
          return {true, fmt::format("{} exited at {} before the app{}", sidecar, offset(gone->at),
                                    app ? " at " + offset(app->at) : "")};
        }
        return {false, fmt::format("{} did not exit before the app", sidecar)};
      }
    }
    return {false, "unknown race"};
  }
};

std::string describeRace(const PlannedFault& fault) {
  const auto& f = fault.spec;
  std::string extra;
  if (f.startup_race_mode == StartupRaceMode::SidecarCrashOnStart) {
    extra = fmt::format(" x{}", f.times);
  } else if (f.delay.count() > 0 || f.startup_race_mode == StartupRaceMode::SidecarSlow) {
    extra = " " + formatDuration(f.delay);
  }
  return fmt::format("startup-race {}{} on {}", scenarios::toString(f.startup_race_mode), extra,
                     f.target);
}

}  // namespace

void registerStartupRace(FaultRegistry& registry) {
  FaultKindEntry entry = processKindEntry<StartupRace>(
      scenarios::FaultKind::StartupRace,
      "restart the pod with a race on a sidecar (app-first, sidecar-slow, "
      "sidecar-crash-on-start, sidecar-exits-first); an instant");
  entry.describe = describeRace;
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
