#include "outrider/faults/link_fault.h"

#include <algorithm>

#include <fmt/format.h>

#include "outrider/common/units.h"
#include "text.h"

namespace outrider::faults {

namespace {

using scenarios::Direction;
using scenarios::FaultKind;

// What one unit of a per-chunk or per-message fault is called, by direction.
std::string units(Direction direction, bool http_link) {
  switch (direction) {
    case Direction::Downstream:
      return http_link ? "replies" : "reply chunks";
    case Direction::Upstream:
      return http_link ? "requests" : "request chunks";
    case Direction::Both:
      return http_link ? "messages" : "chunks";
  }
  return "chunks";
}

std::string onConnections(const FaultEvidence& e, bool http_link) {
  if (http_link) {
    return "";
  }
  return fmt::format(" on {} connection{}", e.connections_affected,
                     e.connections_affected == 1 ? "" : "s");
}

}  // namespace

std::string describeEvidence(const PlannedFault& fault, bool http_link,
                             const FaultEvidence& e) {
  const auto& f = fault.spec;
  if (!e.error.empty()) {
    return e.error;
  }
  const std::string unit = units(f.direction, http_link);
  const std::string seen = http_link ? units(f.direction, true) : "connections";
  switch (f.kind) {
    case FaultKind::Latency: {
      auto floor = std::max(f.latency - f.jitter, std::chrono::nanoseconds(0));
      return fmt::format("{} of {} {} delayed ≥{}{}", e.injections, e.opportunities, unit,
                         formatDuration(floor), onConnections(e, http_link));
    }
    case FaultKind::Bandwidth:
      return fmt::format("{} of {} {} ({}) paced to {}/s{}", e.injections, e.opportunities, unit,
                         detail::formatBytes(e.bytes_affected),
                         detail::formatBytes(f.rate_bytes_per_s), onConnections(e, http_link));
    case FaultKind::Slicer:
      return fmt::format("{} of {} {} ({}) cut into {} slices{}", e.injections, e.opportunities,
                         unit, detail::formatBytes(e.bytes_affected),
                         detail::formatBytes(f.average_size), onConnections(e, http_link));
    case FaultKind::Reset:
      return fmt::format("{} connection{} reset ({} {} seen)", e.injections,
                         e.injections == 1 ? "" : "s", e.opportunities, seen);
    case FaultKind::Blackhole:
      return fmt::format("{} connection{} held, {} swallowed ({} {} seen)", e.injections,
                         e.injections == 1 ? "" : "s", detail::formatBytes(e.bytes_affected),
                         e.opportunities, seen);
    case FaultKind::LimitData:
      return fmt::format("{} of {} connections cut after {}", e.injections, e.opportunities,
                         detail::formatBytes(f.bytes));
    case FaultKind::SlowClose:
      return fmt::format("{} close{} delayed {} ({} connections seen)", e.injections,
                         e.injections == 1 ? "" : "s", formatDuration(f.delay), e.opportunities);
    case FaultKind::HttpAbort:
      return fmt::format("{} on {} of {} requests", f.status, e.injections, e.opportunities);
    case FaultKind::Refuse:
      return e.injections > 0 ? "listener closed; a probe connect was refused"
                              : "listener not closed";
    default:
      return fmt::format("{} injections", e.injections);
  }
}

}  // namespace outrider::faults
