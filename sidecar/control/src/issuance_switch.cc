#include "outrider/control/issuance_switch.h"

#include <fmt/core.h>

#include "outrider/admin/admin_server.h"
#include "outrider/common/units.h"

namespace outrider::control {
namespace {

int64_t unixMs(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string_view issuanceModeName(IssuanceMode mode) {
  switch (mode) {
    case IssuanceMode::Normal:
      return "normal";
    case IssuanceMode::NoRenewal:
      return "no-renewal";
    case IssuanceMode::WrongCa:
      return "wrong-ca";
  }
  return "normal";
}

std::optional<IssuanceMode> parseIssuanceMode(std::string_view name) {
  for (const auto mode : AllIssuanceModes) {
    if (issuanceModeName(mode) == name) {
      return mode;
    }
  }
  return std::nullopt;
}

Result<IssuanceSetting> parseIssuanceQuery(std::string_view query) {
  const auto mode = parseIssuanceMode(admin::queryValue(query, "mode"));
  if (!mode) {
    return makeError(ErrorCode::InvalidArgument,
                     "mode: expected one of normal, no-renewal, wrong-ca");
  }
  IssuanceSetting setting{*mode, std::nullopt};
  const std::string ttl_text = admin::queryValue(query, "ttl");
  if (ttl_text.empty()) {
    return setting;
  }
  const auto ttl = parseDuration(ttl_text);
  if (!ttl || *ttl < MinIssuanceTtl) {
    return makeError(ErrorCode::InvalidArgument,
                     "ttl: expected a duration of at least 2s like 30s or 5m");
  }
  if (*mode == IssuanceMode::Normal) {
    return makeError(ErrorCode::InvalidArgument,
                     "ttl: mode=normal issues with --cert-ttl; only no-renewal and wrong-ca "
                     "take a ttl");
  }
  setting.ttl = std::chrono::duration_cast<std::chrono::seconds>(*ttl);
  return setting;
}

std::string issuanceStateJson(const IssuanceState& state) {
  const int64_t ttl_ms =
      state.setting.ttl
          ? std::chrono::duration_cast<std::chrono::milliseconds>(*state.setting.ttl).count()
          : 0;
  return fmt::format(
      "{{\"mode\": \"{}\", \"ttl_ms\": {}, \"since_unix_ms\": {}, \"re_served_certificates\": {}, "
      "\"wrong_ca_certificates\": {}, \"issued_certificates\": {}, \"last_not_after_unix_ms\": "
      "{}}}\n",
      issuanceModeName(state.setting.mode), ttl_ms, unixMs(state.since), state.re_served,
      state.wrong_ca, state.issued, state.last_not_after ? unixMs(*state.last_not_after) : 0);
}

IssuanceState IssuanceSwitch::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

IssuanceState IssuanceSwitch::set(const IssuanceSetting& setting, SystemTime now) {
  std::lock_guard lock(mutex_);
  IssuanceState ended = state_;
  if (state_.setting == setting) {
    return ended;
  }
  state_ = IssuanceState{setting, now, 0, 0, 0, ended.last_not_after};
  return ended;
}

void IssuanceSwitch::countHandedOut(bool re_served, bool wrong_ca, SystemTime not_after) {
  std::lock_guard lock(mutex_);
  if (re_served) {
    ++state_.re_served;
  } else {
    ++state_.issued;
  }
  if (wrong_ca) {
    ++state_.wrong_ca;
  }
  state_.last_not_after = not_after;
}

}  // namespace outrider::control
