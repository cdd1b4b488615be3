#include "pod_restart_kind.h"

#include <fmt/format.h>

#include <algorithm>

#include "outrider/common/units.h"

namespace outrider::faults::kinds {
namespace {

// Enough for a crash loop's first rounds; the evidence is one line, not a log.
constexpr size_t MaxSeen = 48;

}  // namespace

void PodRestartKind::begin() {
  began_at_ = context_.clock.monotonicNow();
  std::weak_ptr<bool> alive = alive_;
  context_.pod.restartPod(request(), [this, alive](const PodRestartReport& report) {
    if (alive.lock()) {
      report_ = report;
    }
  });
}

void PodRestartKind::onProcessEvent(const PodEvent& event) {
  if (event.kind != PodEvent::Kind::Started && event.kind != PodEvent::Kind::Ready &&
      event.kind != PodEvent::Kind::Exited) {
    return;
  }
  if (seen_.size() < MaxSeen) {
    seen_.push_back({event.kind, event.process, event.at, event.exit});
  }
}

std::string PodRestartKind::offset(MonotonicTime at) const {
  return fmt::format(
      "+{:.2f}s", toSeconds(std::chrono::duration_cast<std::chrono::nanoseconds>(at - began_at_)));
}

bool PodRestartKind::replaced() const {
  if (!report_ || report_->processes.empty()) {
    return false;
  }
  return std::all_of(report_->processes.begin(), report_->processes.end(), [](const auto& p) {
    return p.pid_before && p.pid_after && *p.pid_before != *p.pid_after;
  });
}

std::string PodRestartKind::restartText() const {
  if (!report_) {
    return fmt::format("the pod restart begun at {} had not finished when the run ended",
                       offset(began_at_));
  }
  std::string pids;
  for (const auto& process : report_->processes) {
    pids += fmt::format("{}{} pid {} -> {}", pids.empty() ? "" : ", ", process.name,
                        process.pid_before ? std::to_string(*process.pid_before) : "none",
                        process.pid_after ? std::to_string(*process.pid_after) : "none");
  }
  std::string text = fmt::format("pod {}: {}", replaced() ? "replaced" : "not replaced", pids);
  if (report_->app_sigterm) {
    text += fmt::format("; app SIGTERM at {}", offset(*report_->app_sigterm));
  }
  if (report_->stopped) {
    text += fmt::format(", stopped at {}", offset(*report_->stopped));
  }
  if (report_->ready) {
    text += fmt::format(", ready again at {} (down {:.2f}s)", offset(*report_->ready),
                        toSeconds(std::chrono::duration_cast<std::chrono::nanoseconds>(
                            *report_->ready - report_->stop_began)));
  }
  if (!report_->error.empty()) {
    text += "; " + report_->error;
  }
  return text;
}

std::string PodRestartKind::orderText() const {
  std::string text;
  for (const auto& seen : seen_) {
    if (report_ && std::none_of(report_->processes.begin(), report_->processes.end(),
                                [&seen](const auto& p) { return p.name == seen.process; })) {
      continue;  // a service: outside the pod
    }
    if (report_ && report_->ready && seen.at > *report_->ready) {
      break;  // the pod is back: what follows is the run's, not the race's
    }
    std::string what = seen.kind == PodEvent::Kind::Started ? "started"
                       : seen.kind == PodEvent::Kind::Ready ? "ready"
                                                            : "exited (" + seen.exit + ")";
    text +=
        fmt::format("{}{} {} {}", text.empty() ? "" : ", ", seen.process, what, offset(seen.at));
  }
  if (seen_.size() >= MaxSeen) {
    text += ", ...";
  }
  return "order observed: " + (text.empty() ? std::string("nothing") : text);
}

std::optional<KindEvidence::Disruption> PodRestartKind::disruption() const {
  KindEvidence::Disruption window;
  window.from = report_ ? report_->stop_began : began_at_;
  // Not ready again (yet): the pod was away until now, as far as anyone can tell.
  window.to = report_ && report_->ready ? *report_->ready : context_.clock.monotonicNow();
  if (report_ && !report_->first_sigterm.empty()) {
    window.sigterm = report_->stop_began;
    window.sigterm_process = report_->first_sigterm;
  }
  return window;
}

}  // namespace outrider::faults::kinds
