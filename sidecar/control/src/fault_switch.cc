#include "outrider/control/fault_switch.h"

#include <fmt/core.h>

#include "outrider/admin/admin_server.h"
#include "outrider/common/units.h"

namespace outrider::control {

std::string_view faultModeName(FaultMode mode) {
  switch (mode) {
    case FaultMode::None:
      return "none";
    case FaultMode::Down:
      return "down";
    case FaultMode::Hang:
      return "hang";
    case FaultMode::Error:
      return "error";
    case FaultMode::Slow:
      return "slow";
  }
  return "none";
}

std::optional<FaultMode> parseFaultMode(std::string_view name) {
  for (const auto mode : AllFaultModes) {
    if (faultModeName(mode) == name) {
      return mode;
    }
  }
  return std::nullopt;
}

Result<FaultSetting> parseFaultQuery(std::string_view query) {
  const std::string mode_text = admin::queryValue(query, "mode");
  const auto mode = parseFaultMode(mode_text);
  if (!mode) {
    return makeError(ErrorCode::InvalidArgument,
                     "mode: expected one of none, down, hang, error, slow");
  }
  FaultSetting setting{*mode, std::chrono::nanoseconds(0)};
  const std::string latency_text = admin::queryValue(query, "latency");
  if (!latency_text.empty()) {
    const auto latency = parseDuration(latency_text);
    if (!latency || *latency <= std::chrono::nanoseconds(0)) {
      return makeError(ErrorCode::InvalidArgument,
                       "latency: expected a positive duration like 250ms or 2s");
    }
    if (*mode != FaultMode::Slow) {
      return makeError(ErrorCode::InvalidArgument, "latency: only mode=slow takes a latency");
    }
    setting.latency = *latency;
  } else if (*mode == FaultMode::Slow) {
    return makeError(ErrorCode::InvalidArgument, "mode=slow takes &latency=DURATION (say 500ms)");
  }
  return setting;
}

std::string faultStateJson(const FaultState& state) {
  const auto since_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(state.since.time_since_epoch()).count();
  const auto latency_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(state.setting.latency).count();
  return fmt::format(
      "{{\"mode\": \"{}\", \"latency_ms\": {}, \"since_unix_ms\": {}, \"affected_calls\": {}}}\n",
      faultModeName(state.setting.mode), latency_ms, since_ms, state.affected_calls);
}

FaultState FaultSwitch::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

FaultMode FaultSwitch::mode() const {
  std::lock_guard lock(mutex_);
  return state_.setting.mode;
}

FaultState FaultSwitch::set(const FaultSetting& setting, SystemTime now) {
  std::lock_guard lock(mutex_);
  FaultState ended = state_;
  state_ = FaultState{setting, now, 0};
  return ended;
}

void FaultSwitch::countAffected(uint64_t calls) {
  std::lock_guard lock(mutex_);
  state_.affected_calls += calls;
}

}  // namespace outrider::control
