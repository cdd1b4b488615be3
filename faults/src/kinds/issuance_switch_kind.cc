#include "issuance_switch_kind.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace outrider::faults::kinds {
namespace {

std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::optional<uint64_t> count(const nlohmann::json& json, const char* key) {
  if (!json.contains(key) || !json[key].is_number_unsigned()) {
    return std::nullopt;
  }
  return json[key].get<uint64_t>();
}

}  // namespace

std::optional<IssuanceReading> parseIssuanceReading(std::string_view body) {
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("mode") || !json["mode"].is_string()) {
    return std::nullopt;
  }
  const auto re_served = count(json, "re_served_certificates");
  const auto wrong_ca = count(json, "wrong_ca_certificates");
  const auto issued = count(json, "issued_certificates");
  const auto last_not_after = count(json, "last_not_after_unix_ms");
  if (!re_served || !wrong_ca || !issued || !last_not_after) {
    return std::nullopt;
  }
  IssuanceReading reading;
  reading.mode = json["mode"].get<std::string>();
  reading.re_served = *re_served;
  reading.wrong_ca = *wrong_ca;
  reading.issued = *issued;
  if (*last_not_after > 0) {
    reading.last_not_after =
        SystemTime(std::chrono::milliseconds(static_cast<int64_t>(*last_not_after)));
  }
  return reading;
}

void IssuanceSwitchKind::begin() {
  began_at_ = context_.clock.monotonicNow();
  auto answer = context_.pod.adminCall(fault_.target, "POST", switchTarget());
  if (!answer) {
    error_ = "could not switch " + fault_.target + "'s issuance: " + answer.error().message;
  } else if (answer->status != 200) {
    error_ = fmt::format("{} refused the issuance switch: HTTP {} {}", fault_.target,
                         answer->status, firstLine(answer->body));
  } else {
    switched_ = true;
  }
}

void IssuanceSwitchKind::end() {
  if (!switched_ || ended_) {
    return;
  }
  ended_ = true;
  // What the control plane counted, read before it is switched back.
  if (auto state = context_.pod.adminCall(fault_.target, "GET", "/issuance");
      state && state->status == 200) {
    reading_ = parseIssuanceReading(state->body);
    read_wall_ = context_.clock.systemNow();
    read_at_ = context_.clock.monotonicNow();
  }
  auto answer = context_.pod.adminCall(fault_.target, "POST", "/issuance?mode=normal");
  if (!answer || answer->status != 200) {
    revert_error_ = answer ? fmt::format("HTTP {}", answer->status) : answer.error().message;
  }
}

std::string IssuanceSwitchKind::wallMoment(SystemTime at) const {
  const MonotonicTime on_run_clock =
      read_at_ + std::chrono::duration_cast<MonotonicTime::duration>(at - read_wall_);
  const std::string moment = runMoment(context_, on_run_clock, began_at_);
  return context_.run_start ? "at " + moment + " into the run"
                            : "at " + moment + " from the fault's start";
}

KindEvidence IssuanceSwitchKind::evidence() const {
  if (!error_.empty()) {
    return {false, error_, 0};
  }
  if (!ended_) {
    return {true, fmt::format("{} switched to {}", fault_.target, mode()), 0};
  }
  if (!reading_) {
    KindEvidence out{false,
                     fmt::format("{} switched to {}, but its /issuance did not say what it "
                                 "handed out",
                                 fault_.target, mode()),
                     0};
    if (!revert_error_.empty()) {
      out.text += "; switching it back failed: " + revert_error_;
    }
    return out;
  }
  const Part part = controlPlanePart(*reading_);
  KindEvidence out{part.effective, part.text, part.injections};
  if (reading_->mode != mode()) {
    out.effective = false;
    out.text += "; its mode was '" + reading_->mode +
                "' at the end (restarted, or switched by "
                "someone else?)";
  }
  if (!revert_error_.empty()) {
    out.text += "; switching it back failed: " + revert_error_;
  }
  return out;
}

}  // namespace outrider::faults::kinds
