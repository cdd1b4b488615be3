// control-plane-outage: the control plane goes away for the window, in one of four modes.
// - On outrider-control itself (the target is its process): the switches of its admin listener,
//   POST /fault?mode=down|hang|error|slow, and mode=none at the end. Evidence: the calls the
//   control plane itself counted as affected (GET /fault, read before switching back).
// - Through a [[link]] in front of any control plane: down = the link stops listening and resets
//   every connection that carries a byte; hang = every way held (accepted, never answered);
//   slow = each request chunk delayed by `delay`. Evidence: the link's counters.

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "../text.h"
#include "kinds.h"
#include "link_kind.h"
#include "outrider/common/units.h"

namespace outrider::faults::kinds {
namespace {

using scenarios::ControlPlaneMode;

std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string switchTarget(const scenarios::Fault& spec) {
  std::string target = "/fault?mode=" + scenarios::toString(spec.control_plane_mode);
  if (spec.control_plane_mode == ControlPlaneMode::Slow) {
    // One unit, never truncated: "250ms", "1500us" (outrider-control parses either).
    const int64_t ns = spec.delay.count();
    target += ns % 1'000'000 == 0 ? fmt::format("&latency={}ms", ns / 1'000'000)
              : ns % 1'000 == 0   ? fmt::format("&latency={}us", ns / 1'000)
                                  : fmt::format("&latency={}ns", ns);
  }
  return target;
}

// outrider-control's own switch.
class ControlSwitch final : public ProcessFault {
 public:
  ControlSwitch(const PlannedFault& fault, FaultContext& context)
      : fault_(fault), context_(context) {}

  void begin() override {
    auto answer = context_.pod.adminCall(fault_.target, "POST", switchTarget(fault_.spec));
    if (!answer) {
      error_ = "could not switch " + fault_.target + ": " + answer.error().message;
    } else if (answer->status != 200) {
      error_ = fmt::format("{} refused the switch: HTTP {} {}", fault_.target, answer->status,
                           firstLine(answer->body));
    } else {
      switched_ = true;
    }
  }

  void end() override {
    if (!switched_ || ended_) {
      return;
    }
    ended_ = true;
    // What the control plane counted, read before it is switched back.
    if (auto state = context_.pod.adminCall(fault_.target, "GET", "/fault");
        state && state->status == 200) {
      auto json = nlohmann::json::parse(state->body, nullptr, /*allow_exceptions=*/false);
      if (json.is_object() && json.contains("affected_calls") &&
          json["affected_calls"].is_number_unsigned()) {
        affected_ = json["affected_calls"].get<uint64_t>();
      }
      // Read without exceptions: the body comes from a process under test.
      if (json.is_object() && json.contains("mode") && json["mode"].is_string() &&
          json["mode"].get<std::string>() !=
              scenarios::toString(fault_.spec.control_plane_mode)) {
        drifted_ = json["mode"].get<std::string>();
      }
    }
    auto answer = context_.pod.adminCall(fault_.target, "POST", "/fault?mode=none");
    if (!answer || answer->status != 200) {
      revert_error_ = answer ? fmt::format("HTTP {}", answer->status) : answer.error().message;
    }
  }

  KindEvidence evidence() const override {
    const std::string mode = scenarios::toString(fault_.spec.control_plane_mode);
    if (!error_.empty()) {
      return {false, error_, 0};
    }
    if (!ended_) {
      return {true, fmt::format("{} switched to {}", fault_.target, mode), 0};
    }
    std::string text;
    bool effective = false;
    if (!affected_) {
      text = fmt::format("{} switched to {}, but its /fault did not say what it affected",
                         fault_.target, mode);
    } else if (*affected_ == 0) {
      text = fmt::format("{} switched to {}, but no call reached it while the fault held",
                         fault_.target, mode);
    } else {
      effective = true;
      text = fmt::format("{} switched to {}: {} call{} affected", fault_.target, mode, *affected_,
                         *affected_ == 1 ? "" : "s");
    }
    if (!drifted_.empty()) {
      effective = false;
      text += "; its mode was '" + drifted_ + "' at the end (switched by someone else?)";
    }
    if (!revert_error_.empty()) {
      text += "; switching it back failed: " + revert_error_;
    }
    return {effective, text, affected_.value_or(0)};
  }

 private:
  const PlannedFault& fault_;
  FaultContext& context_;
  bool switched_ = false;
  bool ended_ = false;
  std::optional<uint64_t> affected_;
  std::string drifted_;
  std::string error_;
  std::string revert_error_;
};

// The same outage on a link in front of a control plane.
class OutageFilter final : public LinkKind {
 public:
  using LinkKind::LinkKind;

  Effect onSegment(const Segment& segment) override {
    count(&FaultCounters::opportunities);
    Effect effect;
    switch (spec().control_plane_mode) {
      case ControlPlaneMode::Down:
        effect.reset_after = std::chrono::nanoseconds(0);
        break;
      case ControlPlaneMode::Hang:
        if (!segment.held) {
          count(&FaultCounters::injections);
          affect();
          effect.hold = true;
        }
        break;
      case ControlPlaneMode::Slow:
        if (segment.way == Way::Up) {
          count(&FaultCounters::injections);
          affect();
          effect.delay = spec().delay;
        }
        break;
      case ControlPlaneMode::Error:  // refused by the loader: a link cannot answer gRPC
        break;
    }
    return effect;
  }

  Effect onEof(const EndOfStream& eof) override {
    Effect effect;
    if (spec().control_plane_mode == ControlPlaneMode::Hang && !eof.held) {
      effect.hold = true;  // a hung peer does not pass a close on either
    }
    return effect;
  }

  void onSwallowed(Way way, uint64_t length) override {
    (void)way;
    count(&FaultCounters::bytes_affected, length);
  }

  void onReset() override {
    count(&FaultCounters::requests_affected);
    affect();
  }
};

std::string linkEvidence(const PlannedFault& fault, bool http_link, const FaultEvidence& e) {
  (void)http_link;
  switch (fault.spec.control_plane_mode) {
    case ControlPlaneMode::Down:
      return fmt::format(
          "{}; {} connection{} reset on their next byte",
          e.injections > 0 ? "listener closed, a probe connect was refused" : "listener not closed",
          e.connections_affected, e.connections_affected == 1 ? "" : "s");
    case ControlPlaneMode::Hang:
      return fmt::format("{} connection{} held, {} swallowed", e.connections_affected,
                         e.connections_affected == 1 ? "" : "s",
                         detail::formatBytes(e.bytes_affected));
    case ControlPlaneMode::Slow:
      return fmt::format("{} request chunk{} delayed {} on {} connection{}", e.injections,
                         e.injections == 1 ? "" : "s", formatDuration(fault.spec.delay),
                         e.connections_affected, e.connections_affected == 1 ? "" : "s");
    case ControlPlaneMode::Error:
      break;
  }
  return "not carried out on a link";
}

}  // namespace

void registerControlPlaneOutage(FaultRegistry& registry) {
  FaultKindEntry entry = processKindEntry<ControlSwitch>(
      scenarios::FaultKind::ControlPlaneOutage,
      "the control plane goes down, hangs, errs (UNAVAILABLE) or slows by `delay`; on "
      "outrider-control's switches, or (down, hang, slow) on a link in front of any control "
      "plane");
  // Both shapes: the target decides (Fault::actsOnLink), so the entry has both behaviours.
  entry.acts_on_link = true;
  entry.make_link_filter = [](const LinkFilterArgs& args) -> LinkFilterPtr {
    return std::make_shared<OutageFilter>(args);
  };
  entry.closes_listener_for = [](const PlannedFault& fault) {
    return fault.spec.control_plane_mode == ControlPlaneMode::Down;
  };
  entry.link_evidence = linkEvidence;
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
