#include "outrider/scenarios/scenario.h"

#include <algorithm>
#include <string_view>

namespace outrider::scenarios {
namespace {

struct FaultKindInfo {
  FaultKind kind;
  std::string_view name;
  bool link;
  std::vector<std::string_view> keys;  // besides name, kind, target and at
};

// One row per kind, in the spec's order. The loader rejects a key that appears under another
// kind but not this one, so this table is also what "does not apply" means.
const std::vector<FaultKindInfo>& faultKindTable() {
  static const std::vector<FaultKindInfo> Table = {
      {FaultKind::Latency,
       "latency",
       true,
       {"duration", "direction", "probability", "latency", "jitter"}},
      {FaultKind::Bandwidth, "bandwidth", true, {"duration", "direction", "probability", "rate"}},
      {FaultKind::Reset, "reset", true, {"duration", "direction", "probability", "after"}},
      {FaultKind::Blackhole, "blackhole", true, {"duration", "direction", "probability"}},
      // Refusing happens before any connection exists: no direction, nothing to draw per request.
      {FaultKind::Refuse, "refuse", true, {"duration"}},
      {FaultKind::SlowClose, "slow-close", true, {"duration", "direction", "probability", "delay"}},
      {FaultKind::Slicer,
       "slicer",
       true,
       {"duration", "direction", "probability", "average_size", "size_variation", "delay"}},
      {FaultKind::LimitData, "limit-data", true, {"duration", "direction", "probability", "bytes"}},
      // An abort replaces the whole reply, so it has no direction.
      {FaultKind::HttpAbort, "http-abort", true, {"duration", "probability", "status"}},
      // A wrong route: whole connections go elsewhere, so it has no direction.
      {FaultKind::Misroute, "misroute", true, {"duration", "probability", "to"}},
      // A kill is an instant, not a span.
      {FaultKind::Kill, "kill", false, {"signal"}},
      {FaultKind::Pause, "pause", false, {"duration"}},
      {FaultKind::Crashloop, "crashloop", false, {"duration"}},
      {FaultKind::Oom, "oom", false, {"duration", "limit", "mode", "rate"}},
      {FaultKind::CpuStarve, "cpu-starve", false, {"duration", "share", "mode", "workers"}},
      {FaultKind::CertExpiry, "cert-expiry", false, {"duration", "ttl"}},
      {FaultKind::CertWrongCa, "cert-wrong-ca", false, {"duration"}},
      {FaultKind::ClockSkew, "clock-skew", false, {"duration", "skew"}},
      {FaultKind::ControlPlaneOutage, "control-plane-outage", false, {"duration", "mode", "delay"}},
      // A rollout and a start-up race happen when the pod is replaced, not over a span of the run.
      {FaultKind::PodRestart, "pod-restart", false, {}},
      {FaultKind::StartupRace, "startup-race", false, {"mode", "delay", "times"}},
  };
  return Table;
}

const FaultKindInfo& infoFor(FaultKind kind) {
  for (const auto& info : faultKindTable()) {
    if (info.kind == kind) {
      return info;
    }
  }
  // The table lists every enumerator; the first row keeps this total for a cast-in value.
  return faultKindTable().front();
}

}  // namespace

std::vector<const ProcessSpec*> Scenario::processes() const {
  std::vector<const ProcessSpec*> all;
  all.reserve(services.size() + sidecars.size() + 1);
  for (const auto& service : services) {
    all.push_back(&service);
  }
  for (const auto& sidecar : sidecars) {
    all.push_back(&sidecar);
  }
  all.push_back(&app);
  return all;
}

const ProcessSpec* Scenario::findProcess(const std::string& process_name) const {
  for (const ProcessSpec* process : processes()) {
    if (process->name == process_name) {
      return process;
    }
  }
  return nullptr;
}

const Link* Scenario::findLink(const std::string& link_name) const {
  for (const auto& link : links) {
    if (link.name == link_name) {
      return &link;
    }
  }
  return nullptr;
}

const Variant* Scenario::findVariant(const std::string& variant_name) const {
  for (const auto& candidate : variants) {
    if (candidate.name == variant_name) {
      return &candidate;
    }
  }
  return nullptr;
}

Result<void> applyVariant(Scenario& scenario, const std::string& name) {
  const Variant* chosen = scenario.findVariant(name);
  if (!chosen) {
    std::string known;
    for (const auto& candidate : scenario.variants) {
      known += (known.empty() ? "" : ", ") + candidate.name;
    }
    return makeError(ErrorCode::InvalidArgument,
                     "scenario '" + scenario.name + "' has no [[variant]] named '" + name + "'" +
                         (known.empty() ? " (it declares none)" : " (it has: " + known + ")"));
  }
  for (auto& sidecar : scenario.sidecars) {
    if (sidecar.name == chosen->sidecar) {
      sidecar = chosen->process;
      scenario.variant = chosen->name;
      return {};
    }
  }
  // The loader checked the sidecar exists; only a hand-built Scenario gets here.
  return makeError(ErrorCode::InvalidArgument, "variant '" + name + "' replaces sidecar '" +
                                                   chosen->sidecar + "', which is not in the pod");
}

CanaryTolerance defaultCanaryTolerance(CanaryMetricKind kind) {
  switch (kind) {
    case CanaryMetricKind::LatencyP50:
    case CanaryMetricKind::LatencyP99:
      return {0.10, true, "10%"};
    case CanaryMetricKind::ErrorRate:
    case CanaryMetricKind::Slo:
      return {0.001, false, "0.1%"};
  }
  return {0.10, true, "10%"};
}

std::vector<CanaryMetric> defaultCanaryMetrics() {
  std::vector<CanaryMetric> metrics;
  for (auto [name, kind] : {std::pair{"error_rate", CanaryMetricKind::ErrorRate},
                            std::pair{"latency_p50", CanaryMetricKind::LatencyP50},
                            std::pair{"latency_p99", CanaryMetricKind::LatencyP99}}) {
    metrics.push_back(CanaryMetric{name, kind, defaultCanaryTolerance(kind)});
  }
  return metrics;
}

std::string toString(CanaryMetricKind kind) {
  switch (kind) {
    case CanaryMetricKind::ErrorRate:
      return "error_rate";
    case CanaryMetricKind::LatencyP50:
      return "latency_p50";
    case CanaryMetricKind::LatencyP99:
      return "latency_p99";
    case CanaryMetricKind::Slo:
      return "slo";
  }
  return "slo";
}

std::vector<AlertRule> sreWorkbookRules() {
  using std::chrono::hours;
  using std::chrono::minutes;
  return {
      {"page", hours(1), minutes(5), 14.4},
      {"page", hours(6), minutes(30), 6.0},
      {"ticket", hours(24), hours(2), 3.0},
      {"ticket", hours(72), hours(6), 1.0},
  };
}

std::string toString(const StatusMatch& match) {
  return match.code != 0 ? std::to_string(match.code) : std::to_string(match.klass) + "xx";
}

std::string toString(FaultKind kind) {
  return kind == FaultKind::Extension ? "extension" : std::string(infoFor(kind).name);
}

std::string Fault::kindName() const {
  return kind == FaultKind::Extension ? extension_kind : toString(kind);
}

bool Fault::actsOnLink() const {
  if (kind == FaultKind::ControlPlaneOutage) {
    return through_link;
  }
  return kind == FaultKind::Extension ? extension_on_link : isLinkFault(kind);
}

bool Fault::hasSpan() const {
  if (kind == FaultKind::Extension) {
    return extension_has_span;
  }
  const auto& keys = infoFor(kind).keys;
  return std::find(keys.begin(), keys.end(), "duration") != keys.end();
}

std::optional<FaultKind> parseFaultKind(const std::string& text) {
  for (const auto& info : faultKindTable()) {
    if (info.name == text) {
      return info.kind;
    }
  }
  return std::nullopt;
}

// Extension kinds say per fault (Fault::actsOnLink()); here they count as neither.
bool isLinkFault(FaultKind kind) { return kind != FaultKind::Extension && infoFor(kind).link; }

bool isProcessFault(FaultKind kind) { return kind != FaultKind::Extension && !infoFor(kind).link; }

const std::vector<FaultKind>& allFaultKinds() {
  static const std::vector<FaultKind> Kinds = [] {
    std::vector<FaultKind> kinds;
    for (const auto& info : faultKindTable()) {
      kinds.push_back(info.kind);
    }
    return kinds;
  }();
  return Kinds;
}

std::vector<std::string> faultParameterKeys(FaultKind kind) {
  if (kind == FaultKind::Extension) {
    return {};  // its schema says (fault_catalog.h)
  }
  const auto& keys = infoFor(kind).keys;
  return {keys.begin(), keys.end()};
}

std::string toString(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::Never:
      return "never";
    case RestartPolicy::OnFailure:
      return "on-failure";
    case RestartPolicy::Always:
      return "always";
  }
  return "always";
}

std::string toString(StartMode mode) {
  switch (mode) {
    case StartMode::BeforeApp:
      return "before-app";
    case StartMode::WithApp:
      return "with-app";
  }
  return "before-app";
}

std::string toString(ProcessRole role) {
  switch (role) {
    case ProcessRole::Service:
      return "service";
    case ProcessRole::Sidecar:
      return "sidecar";
    case ProcessRole::App:
      return "app";
  }
  return "app";
}

std::string toString(FindingKind kind) {
  switch (kind) {
    case FindingKind::Objective:
      return "objective";
    case FindingKind::Page:
      return "page";
    case FindingKind::Ticket:
      return "ticket";
    case FindingKind::Budget:
      return "budget";
    case FindingKind::Leak:
      return "leak";
    case FindingKind::Cardinality:
      return "cardinality";
    case FindingKind::Audit:
      return "audit";
  }
  return "objective";
}

std::string toString(LinkProtocol protocol) {
  return protocol == LinkProtocol::Http ? "http" : "tcp";
}

std::string toString(Direction direction) {
  switch (direction) {
    case Direction::Downstream:
      return "downstream";
    case Direction::Upstream:
      return "upstream";
    case Direction::Both:
      return "both";
  }
  return "downstream";
}

std::string toString(ControlPlaneMode mode) {
  switch (mode) {
    case ControlPlaneMode::Down:
      return "down";
    case ControlPlaneMode::Hang:
      return "hang";
    case ControlPlaneMode::Error:
      return "error";
    case ControlPlaneMode::Slow:
      return "slow";
  }
  return "down";
}

std::string toString(StartupRaceMode mode) {
  switch (mode) {
    case StartupRaceMode::AppFirst:
      return "app-first";
    case StartupRaceMode::SidecarSlow:
      return "sidecar-slow";
    case StartupRaceMode::SidecarCrashOnStart:
      return "sidecar-crash-on-start";
    case StartupRaceMode::SidecarExitsFirst:
      return "sidecar-exits-first";
  }
  return "app-first";
}

std::string toString(OomMode mode) { return mode == OomMode::Pressure ? "pressure" : "cap"; }

std::string toString(CpuStarveMode mode) { return mode == CpuStarveMode::Hog ? "hog" : "quota"; }

std::string toString(SliKind kind) {
  switch (kind) {
    case SliKind::Availability:
      return "availability";
    case SliKind::Latency:
      return "latency";
    case SliKind::Ratio:
      return "ratio";
    case SliKind::Uptime:
      return "uptime";
  }
  return "availability";
}

std::string toString(AlertPolicy policy) {
  return policy == AlertPolicy::Rules ? "rules" : "sre-workbook";
}

std::string toString(AlertHistory history) {
  return history == AlertHistory::None ? "none" : "clean";
}

}  // namespace outrider::scenarios
