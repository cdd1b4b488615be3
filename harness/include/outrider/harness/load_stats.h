#pragma once

// What a load run measured: the counts of journal.md's `load`, the latency histograms and the
// per-second series the SLO engine and the journal's `series` read.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/common/histogram.h"
#include "outrider/harness/served_certificates.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::harness {

// Request outcomes. After a run: scheduled = sent + not_sent and
// sent = completed + failed + timed_out (journal.md). late is a subset of sent.
struct LoadCounts {
  uint64_t scheduled = 0;  // requests whose send time has come
  uint64_t sent = 0;       // handed to a connection (including a reconnect that then failed)
  uint64_t completed = 0;  // a full reply of any status within the timeout
  uint64_t failed = 0;     // connect error, reset, bad reply
  uint64_t timed_out = 0;  // sent, no full reply within timeout of the scheduled time
  uint64_t late = 0;       // sent more than late_threshold (1 ms) after the scheduled time
  uint64_t not_sent = 0;   // still queued at scheduled + timeout, or when the run ended
  // Requests the generator itself noticed more than late_threshold after their time (event-loop
  // lag, CPU starvation) rather than queued behind busy connections: its own health signal,
  // counted whether or not they were then sent.
  uint64_t late_dispatch = 0;
  // Dispatches the generator noticed more than stall_threshold (10 ms) late: a stall long enough
  // to distort what it measures. Over 1% of requests makes a run invalid. A subset of
  // late_dispatch.
  uint64_t stalled_dispatch = 0;
  // https: failed or timed-out requests whose connection's TLS handshake failed (a subset of
  // failed + timed_out; a handshake timeout is a timeout); by reason in LoadResult::tls_failures.
  uint64_t tls_failed = 0;
  uint64_t status_1xx = 0;
  uint64_t status_2xx = 0;
  uint64_t status_3xx = 0;
  uint64_t status_4xx = 0;
  uint64_t status_5xx = 0;
  uint64_t status_other = 0;  // outside 100..599
  // Completed replies that did not match [load] expect (a subset of completed, of any status);
  // unexpected_5xx: those of them that were 5xx as well (already bad as 5xx).
  uint64_t unexpected = 0;
  uint64_t unexpected_5xx = 0;

  // Bad events for every SLI: failed + timed_out + not_sent + 5xx replies + unexpected replies
  // (each reply once).
  uint64_t errors() const {
    return failed + timed_out + not_sent + status_5xx + (unexpected - unexpected_5xx);
  }
  // The journal's invariants; they hold once the run has finished.
  bool balanced() const {
    return scheduled == sent + not_sent && sent == completed + failed + timed_out;
  }
  void add(const LoadCounts& other);
};

// Percentiles of a nanosecond histogram, in milliseconds (the journal's latency_ms).
struct LatencySummary {
  uint64_t count = 0;
  double min_ms = 0;
  double mean_ms = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
};

LatencySummary summarizeLatency(const Histogram& nanoseconds);

// One second of the series: the requests *scheduled* in [k s, k+1 s) from the load's start,
// after the warmup (warmup requests are in no bucket, so the first buckets of a run with a warmup
// are empty or partial).
struct LoadSecond {
  LoadCounts counts;
  // Corrected latency (from the scheduled send time) of this second's completed replies, ns,
  // and of its timed-out requests: a late reply at its latency, one without a reply at the
  // timeout (a lower bound). The journal's per-second p50/p99 read it.
  Histogram latency;
  // The same for replies that were good for availability (not 5xx, not unexpected) and in no
  // status group: a latency SLI's good events are those of this histogram at or below its
  // threshold, plus those of the groups its bad_status leaves out.
  Histogram ok_latency;
  // Per status group (StatusGroups, in its order): the completed replies and their latency
  // (unexpected replies are in none: they are bad for every SLO).
  std::vector<uint64_t> group_counts;
  std::vector<Histogram> group_latency;
  // https: the handshakes that *ended* in this second (warmup included, whatever request they
  // were for) and the earliest NotAfter among the certificates they were served, unix ms.
  uint64_t tls_handshakes = 0;
  std::optional<int64_t> tls_min_not_after_ms;
};

// The reply statuses some SLO counts as bad besides 5xx (bad_status), as disjoint groups so that
// each SLO's events add up from them: first each code named (401), then each class named (4xx,
// less the codes named before it). A status in no group (and not 5xx) is good for every SLO.
class StatusGroups {
 public:
  static StatusGroups fromSlos(const std::vector<scenarios::Slo>& slos);
  explicit StatusGroups(std::vector<scenarios::StatusMatch> groups = {})
      : groups_(std::move(groups)) {}

  // The group of a reply's status, or -1 (5xx replies are in none: they are bad for every SLO).
  int groupOf(int status) const;
  // Whether an SLO whose bad_status is `bad` counts group g as bad.
  bool badFor(size_t g, const std::vector<scenarios::StatusMatch>& bad) const;
  size_t size() const { return groups_.size(); }
  bool empty() const { return groups_.empty(); }
  const std::vector<scenarios::StatusMatch>& groups() const { return groups_; }

 private:
  std::vector<scenarios::StatusMatch> groups_;
};

// A measured request that was bad for availability (failed, timed out, not sent, 5xx), kept so
// failures can be laid against the moments a fault took something away (a pod restart's blip).
struct FailedRequest {
  std::chrono::nanoseconds scheduled{0};         // from the schedule's t0
  std::optional<std::chrono::nanoseconds> sent;  // handed to a connection; none: never sent
};

struct LoadResult {
  MonotonicTime started_at{};           // the schedule's t0 (request 0's send time)
  std::chrono::nanoseconds elapsed{0};  // t0 until the last reply or timeout
  bool stopped_early = false;           // stop() ended the run before its duration
  uint64_t planned = 0;                 // measured requests the schedule held for the full run

  LoadCounts counts;         // after the warmup: the journal's `load`
  LoadCounts warmup_counts;  // during the warmup (history = "clean" needs its rate)

  // Nanoseconds, measured requests only, completed replies only (failed, timed-out and unsent
  // requests are counted above, not here).
  Histogram latency;       // from the scheduled send time: coordinated omission corrected
  Histogram service_time;  // from the actual send: what the target took
  Histogram send_delay;    // actual send - scheduled send, every sent request (self-monitoring)
  LatencySummary latency_ms;
  LatencySummary service_time_ms;

  std::vector<LoadSecond> series;  // index = whole seconds since started_at
  // In schedule order of their failure; at most MaxFailuresKept, the rest only counted.
  std::vector<FailedRequest> failures;
  uint64_t failures_not_kept = 0;
  static constexpr size_t MaxFailuresKept = 1'000'000;

  uint64_t connections_opened = 0;
  uint64_t connect_errors = 0;  // TCP connects and TLS handshakes that failed
  // Every connection of the run (warmup included), apart from request latency: the TCP connect
  // and, for https, the TLS handshake after it, ns. A request that had to open its connection
  // waited for both, and its latency (from the scheduled time) includes them.
  Histogram connect_time;

  // https targets only.
  bool tls = false;
  Histogram tls_handshake;  // successful handshakes
  // Measured requests that failed in the handshake, by classifyHandshakeFailure()'s reason.
  std::map<std::string, uint64_t> tls_failures;
  // What the server presented, read from the handshakes (certificate faults' evidence).
  ServedCertificates tls_served;
  uint64_t tls_context_reloads = 0;          // the client files changed and were taken
  uint64_t tls_context_reload_failures = 0;  // changed files that did not make a context

  // Sent requests per second over the measured span.
  double achievedRate(std::chrono::nanoseconds measured_span) const;
};

// A cheap, thread-safe progress view while a run goes on (warmup included).
struct LoadSnapshot {
  bool running = false;
  std::chrono::nanoseconds elapsed{0};
  uint64_t scheduled = 0;
  uint64_t sent = 0;
  uint64_t completed = 0;
  uint64_t errors = 0;     // failed + timed_out + not_sent + 5xx
  uint64_t queued = 0;     // due, waiting for an idle connection
  double current_rps = 0;  // replies completed during the last whole second
};

}  // namespace outrider::harness
