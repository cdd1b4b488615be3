#pragma once

// What a link fault did: the counters its filters update on every connection of a LinkProxy and
// the human line the journal records as `faults[].evidence`. A fault that was active and touched
// nothing has injections == 0, which the runner turns into an invalid run rather than a silent
// pass.

#include <atomic>
#include <cstdint>
#include <string>

#include "outrider/faults/plan.h"

namespace outrider::faults {

// The live counters of one applied fault, shared by its filters on every connection of the link;
// see FaultEvidence for what each counts per kind.
struct FaultCounters {
  std::atomic<uint64_t> injections{0};
  std::atomic<uint64_t> opportunities{0};
  std::atomic<uint64_t> connections_affected{0};
  std::atomic<uint64_t> requests_affected{0};
  std::atomic<uint64_t> bytes_affected{0};

  static void add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
};

struct FaultEvidence {
  std::string name;
  scenarios::FaultKind kind = scenarios::FaultKind::Latency;
  bool applied = false;  // the link was given this fault at some point (false: unknown name)
  bool active = false;   // applied and not removed yet
  // Times the fault acted. Per kind: latency/bandwidth/slicer = chunks (tcp) or messages (http)
  // delayed/paced/sliced; reset = connections reset; blackhole = connections held; limit-data =
  // connections cut; slow-close = closes delayed; http-abort = requests answered; refuse = 1 once
  // the closed listener was seen refusing a connection.
  uint64_t injections = 0;
  // What the fault looked at while active, the denominator of the evidence: chunks or messages
  // (per-chunk and per-request kinds) or connections (per-connection kinds).
  uint64_t opportunities = 0;
  uint64_t connections_affected = 0;  // distinct connections with at least one injection
  uint64_t requests_affected = 0;     // http links: requests or replies acted on
  uint64_t bytes_affected = 0;        // bytes delayed, paced, sliced, swallowed or cut off
  std::string error;                  // refuse: why the listener could not be closed or reopened
  std::string evidence;               // "5000 of 5000 replies delayed ≥150ms"

  bool effective() const { return injections > 0 && error.empty(); }
};

// The evidence line for these counters ("503 on 2480 of 4960 requests", "812 of 812 connections
// reset"). `http_link`: the link frames HTTP, so units are requests and replies, not chunks.
std::string describeEvidence(const PlannedFault& fault, bool http_link,
                             const FaultEvidence& counts);

}  // namespace outrider::faults
