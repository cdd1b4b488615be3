#include "outrider/harness/live_alerts.h"

#include <cmath>

#include <fmt/format.h>

#include "outrider/common/time_format.h"
#include "outrider/common/units.h"
#include "outrider/harness/judgement.h"
#include "outrider/harness/load_schedule.h"

namespace outrider::harness {

std::unique_ptr<LiveAlerts> LiveAlerts::create(const scenarios::Scenario& scenario) {
  if (scenario.slos.empty() || !scenario.load) {
    return nullptr;
  }
  const auto& load = *scenario.load;
  const double warmup_s = toSeconds(load.warmup);
  auto schedule = LoadSchedule::create(load.rate, scenario.duration, load.warmup);
  const double warmup_rate =
      schedule && warmup_s > 0 ? static_cast<double>(schedule->warmupCount()) / warmup_s : 0.0;
  auto options = sloEngineOptions(scenario, warmup_rate);
  options.record_burn_rates = false;
  auto engine = slo::SloEngine::create(scenario, options);
  if (!engine) {
    return nullptr;  // judgeRun reports the same problem where it counts
  }
  return std::unique_ptr<LiveAlerts>(
      new LiveAlerts(std::move(*engine), static_cast<uint64_t>(std::floor(warmup_s))));
}

LiveAlerts::LiveAlerts(std::unique_ptr<slo::SloEngine> engine, uint64_t first_second)
    : engine_(std::move(engine)), first_second_(first_second) {}

std::vector<LiveAlertLine> LiveAlerts::addSecond(uint64_t second,
                                                 const std::vector<slo::EventCounts>& events) {
  std::vector<LiveAlertLine> lines;
  if (second < first_second_ + engine_->seconds()) {
    return lines;  // warmup seconds, or one already fed
  }
  engine_->addSecond(events);
  for (const auto& alert : engine_->alerts()) {
    const std::string key = fmt::format("{}/{}/{}/{}", alert.slo, alert.severity, alert.long_s,
                                        alert.fired_at_s);
    if (shown_fired_.insert(key).second) {
      lines.push_back({alert.fired_at_s,
                       fmt::format("alert-fired {} {} ({}/{} burn rate above {})", alert.slo,
                                   alert.severity, formatDurationSeconds(alert.long_s),
                                   formatDurationSeconds(alert.short_s), alert.factor)});
    }
    if (alert.resolved_at_s && shown_resolved_.insert(key).second) {
      lines.push_back({*alert.resolved_at_s,
                       fmt::format("alert-resolved {} {}", alert.slo, alert.severity)});
    }
  }
  return lines;
}

std::string LiveAlerts::firing() const {
  std::string out;
  for (const auto& alert : engine_->alerts()) {
    if (!alert.resolved_at_s) {
      out += (out.empty() ? "" : ", ") + alert.slo + " " + alert.severity;
    }
  }
  return out;
}

}  // namespace outrider::harness
