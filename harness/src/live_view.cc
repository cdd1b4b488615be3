#include "outrider/harness/live_view.h"

#include <fmt/format.h>

namespace outrider::harness {

namespace {

bool isRunEvent(const std::string& event) {
  return event == "run-start" || event == "load-start" || event == "warmup-end" ||
         event == "load-end" || event == "pod-stop" || event == "fault-start" ||
         event == "fault-end";
}

}  // namespace

LiveView::LiveView(Progress& progress, const scenarios::Scenario& scenario)
    : progress_(progress), alerts_(LiveAlerts::create(scenario)) {}

void LiveView::second(uint64_t second, const std::vector<slo::EventCounts>& events) {
  if (!alerts_) {
    return;
  }
  for (const auto& line : alerts_->addSecond(second, events)) {
    progress_.event(line.at_s, line.text);
  }
  firing_ = alerts_->firing();
}

void LiveView::timelineEvent(double at_s, const std::string& event, const std::string& detail,
                             bool startup) {
  if (isRunEvent(event)) {
    progress_.event(at_s, event + " " + detail, startup);
  }
}

void LiveView::processEvent(double at_s, const ProcessEvent& event, bool startup) {
  std::string what = fmt::format("{} {}", toString(event.kind), event.name);
  if (!event.detail.empty()) {
    what += ": " + event.detail;
  }
  progress_.event(at_s, what, startup);
}

void LiveView::status(ProgressStatus status) {
  status.alerts = firing_;
  progress_.status(status);
}

}  // namespace outrider::harness
