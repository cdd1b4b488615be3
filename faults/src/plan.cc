#include "outrider/faults/plan.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "outrider/common/units.h"
#include "outrider/faults/registry.h"
#include "text.h"

namespace outrider::faults {

namespace {

using scenarios::FaultKind;

// FNV-1a: a stable hash of the name (std::hash may differ between library builds).
uint64_t hashName(const std::string& name) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return h;
}

std::string direction(const scenarios::Fault& f) {
  return fmt::format(" ({})", scenarios::toString(f.direction));
}

std::string probability(const scenarios::Fault& f) { return fmt::format(", p={}", f.probability); }

}  // namespace

const PlannedFault* FaultPlan::find(const std::string& name) const {
  for (const auto& fault : faults) {
    if (fault.name == name) {
      return &fault;
    }
  }
  return nullptr;
}

uint64_t faultSeed(uint64_t run_seed, size_t index, const std::string& name) {
  return mixKeys(run_seed, mixKeys(hashName(name), static_cast<uint64_t>(index)));
}

FaultPlan compilePlan(const scenarios::Scenario& scenario, uint64_t seed) {
  FaultPlan plan;
  plan.seed = seed;
  plan.duration = scenario.duration;
  const auto run_end = scenario.duration;
  for (size_t i = 0; i < scenario.faults.size(); ++i) {
    const auto& spec = scenario.faults[i];
    PlannedFault fault;
    fault.index = i;
    fault.name = spec.name;
    fault.kind = spec.kind;
    fault.target = spec.target;
    fault.is_link = spec.actsOnLink();
    fault.instant = !spec.hasSpan();
    fault.start = std::clamp(spec.at, std::chrono::nanoseconds(0), run_end);
    if (fault.instant) {
      fault.end = fault.start;
    } else {
      auto end = spec.duration ? spec.at + *spec.duration : run_end;
      fault.end = std::clamp(end, fault.start, run_end);
    }
    fault.spec = spec;
    fault.seed = faultSeed(seed, i, spec.name);
    plan.faults.push_back(std::move(fault));
  }
  std::stable_sort(plan.faults.begin(), plan.faults.end(),
                   [](const auto& a, const auto& b) { return a.start < b.start; });
  for (size_t i = 0; i < plan.faults.size(); ++i) {
    const auto& fault = plan.faults[i];
    plan.actions.push_back({fault.start, PlanActionType::Start, i});
    if (!fault.instant) {
      plan.actions.push_back({fault.end, PlanActionType::Stop, i});
    }
  }
  // 0: a stop of a window that began earlier, 1: a start, 2: a stop of a zero-length window.
  auto rank = [&plan](const PlanAction& action) {
    if (action.type == PlanActionType::Start) {
      return 1;
    }
    return plan.faults[action.fault].start < action.offset ? 0 : 2;
  };
  std::stable_sort(plan.actions.begin(), plan.actions.end(),
                   [&rank](const PlanAction& a, const PlanAction& b) {
                     return std::make_tuple(a.offset, rank(a), a.fault) <
                            std::make_tuple(b.offset, rank(b), b.fault);
                   });
  return plan;
}

bool decide(const PlannedFault& fault, uint64_t connection, uint64_t request) {
  const double p = fault.spec.probability;
  if (p >= 1.0) {
    return true;
  }
  if (p <= 0.0) {
    return false;
  }
  return uniform01(purposeSeed(fault.seed, DrawPurpose::Decide), connection, request) < p;
}

std::string describe(const PlannedFault& fault) { return describe(fault, registry()); }

std::string describe(const PlannedFault& fault, const FaultRegistry& registry) {
  if (const FaultKindEntry* entry = registry.find(fault.spec.kindName());
      entry != nullptr && entry->describe) {
    return entry->describe(fault);
  }
  // fmt throughout: GCC 12 warns a false -Wrestrict on `"literal" + std::string&&`.
  const auto& f = fault.spec;
  const std::string kind = f.kindName();
  const std::string link_tail = fmt::format(" on {}{}{}", f.target, direction(f), probability(f));
  switch (f.kind) {
    case FaultKind::Latency: {
      std::string jitter = f.jitter.count() > 0 ? fmt::format(" ±{}", formatDuration(f.jitter)) : "";
      return fmt::format("{} {}{}{}", kind, formatDuration(f.latency), jitter, link_tail);
    }
    case FaultKind::Bandwidth:
      return fmt::format("{} {}/s{}", kind, detail::formatBytes(f.rate_bytes_per_s), link_tail);
    case FaultKind::Reset:
      if (f.after.count() > 0) {
        return fmt::format("{} {} after the first byte{}", kind, formatDuration(f.after),
                           link_tail);
      }
      return fmt::format("{} at the first byte{}", kind, link_tail);
    case FaultKind::Blackhole:
      return kind + link_tail;
    case FaultKind::Refuse:
      return fmt::format("{} connections on {}", kind, f.target);
    case FaultKind::SlowClose:
      return fmt::format("{} {}{}", kind, formatDuration(f.delay), link_tail);
    case FaultKind::Slicer: {
      std::string variation =
          f.size_variation > 0 ? fmt::format(" ±{}", detail::formatBytes(f.size_variation)) : "";
      return fmt::format("{} {}{} slices, {} apart{}", kind, detail::formatBytes(f.average_size),
                         variation, formatDuration(f.delay), link_tail);
    }
    case FaultKind::LimitData:
      return fmt::format("{} {}{}", kind, detail::formatBytes(f.bytes), link_tail);
    case FaultKind::HttpAbort:
      return fmt::format("{} {} on {}{}", kind, f.status, f.target, probability(f));
    case FaultKind::Misroute:
      return fmt::format("{} {}'s connections to {}{}", kind, f.target, f.to, probability(f));
    case FaultKind::Oom:
      if (f.oom_mode == scenarios::OomMode::Pressure) {
        return fmt::format("{} limit {} on {}, allocating {}/s inside its cgroup", kind,
                           detail::formatBytes(f.limit_bytes), f.target,
                           detail::formatBytes(f.rate_bytes_per_s));
      }
      return fmt::format("{} limit {} on {}", kind, detail::formatBytes(f.limit_bytes), f.target);
    case FaultKind::CpuStarve:
      if (f.cpu_starve_mode == scenarios::CpuStarveMode::Hog) {
        return fmt::format("{} share {} on {}, shared with {} busy worker(s)", kind, f.share,
                           f.target, f.workers);
      }
      return fmt::format("{} share {} on {}", kind, f.share, f.target);
    case FaultKind::CertExpiry:
      return fmt::format("{} ttl {} on {}", kind, formatDuration(f.ttl), f.target);
    case FaultKind::ClockSkew:
      return fmt::format("{} {}{} on {}", kind, f.skew.count() < 0 ? "-" : "+",
                         formatDuration(f.skew.count() < 0 ? -f.skew : f.skew), f.target);
    case FaultKind::ControlPlaneOutage:
      return fmt::format("{} ({}) on {}", kind, scenarios::toString(f.control_plane_mode),
                         f.target);
    case FaultKind::Kill:  // kinds/kill.cc
    case FaultKind::Pause:
    case FaultKind::Crashloop:
    case FaultKind::CertWrongCa:
    case FaultKind::PodRestart:   // kinds/pod_restart.cc
    case FaultKind::StartupRace:  // kinds/startup_race.cc
    case FaultKind::Extension:
      break;
  }
  return fmt::format("{} on {}", kind, f.target);
}

std::string toString(PlanActionType type) {
  return type == PlanActionType::Start ? "start" : "stop";
}

std::string renderPlan(const FaultPlan& plan) {
  std::string out;
  if (plan.faults.empty()) {
    return "fault plan: none\n";
  }
  out += fmt::format("fault plan: {} fault{}, run seed {}\n", plan.faults.size(),
                     plan.faults.size() == 1 ? "" : "s", plan.seed);
  size_t name_width = 4;
  for (const auto& fault : plan.faults) {
    name_width = std::max(name_width, fault.name.size());
  }
  for (const auto& fault : plan.faults) {
    std::string window = fault.instant ? formatDuration(fault.start)
                                       : formatDuration(fault.start) + " .. " +
                                             formatDuration(fault.end);
    out += fmt::format("  {:<16} {:<{}}  {}  [seed {:016x}]\n", window, fault.name, name_width,
                       describe(fault), fault.seed);
  }
  out += "actions:\n";
  for (const auto& action : plan.actions) {
    out += fmt::format("  {:>8}  {:<5} {}\n", formatDuration(action.offset),
                       toString(action.type), plan.faults[action.fault].name);
  }
  return out;
}

}  // namespace outrider::faults
