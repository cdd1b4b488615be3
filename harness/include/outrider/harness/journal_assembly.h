#pragma once

// From what a run measured to the journal's records (spec/journal.md): the load's counts and
// per-second series, whether the measurement can be trusted, the processes' starts and exits,
// the links' counters, the verdict with each alert attributed to the fault that most likely
// caused it, and the timeline in order. Pure: data in, records out (journal_assembly_test).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/faults/link_proxy.h"
#include "outrider/harness/judgement.h"
#include "outrider/harness/load_stats.h"
#include "outrider/harness/pod_cgroups.h"
#include "outrider/harness/process_events.h"
#include "outrider/reports/journal.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::harness {

// Whether the load generator's figures can be trusted (spec: invalid when it fell behind its
// schedule by more than 1% of requests).
struct LoadTrust {
  // Its own stalls only (stalled_dispatch: noticed over 10 ms late, its loop or CPU starved).
  bool behind_schedule = false;
  // Over 1% never sent because every connection was busy: the target's slowness, which counts
  // against availability but leaves the measurement trustworthy. Said in the summary.
  bool connections_saturated = false;
  std::optional<std::string> invalid_reason;  // set when behind_schedule
};
LoadTrust assessLoad(const LoadCounts& counts);

// journal.load and series.rps/errors/p50_ms/p99_ms: one entry per second of `duration`.
void recordLoad(reports::Journal& journal, const scenarios::Load& load,
                std::chrono::nanoseconds duration, const LoadResult& result);

// The load side's view of each certificate fault (cert-expiry, cert-wrong-ca, clock-skew) after
// its own evidence, from the handshakes the load made (series.tls, load.tls): the earliest NotAfter
// a server presented in the window and the handshakes that failed in it, with the run's reasons,
// e.g. "; load: served certificate NotAfter 19.0s; 1730 handshakes failed in the window (expired
// 1730)"; NotAfter in seconds from `t0`. Record the load and the faults first; a run without https
// load is left as it is.
void addLoadCertificateEvidence(reports::Journal& journal, SystemTime t0);

// journal.processes, times relative to t0; `pids` by process name, one per start.
void recordProcesses(reports::Journal& journal, const std::vector<ProcessRecord>& records,
                     const std::map<std::string, std::vector<int>>& pids, MonotonicTime t0);

// processes[].limits from the scenario, and .cgroup and .oom_kills from `cgroups` (read before
// they were removed; empty when the run had none). Record the processes first.
void recordCgroups(reports::Journal& journal,
                   const std::vector<const scenarios::ProcessSpec*>& specs,
                   const std::map<std::string, PodCgroups::Summary>& cgroups);

reports::LinkRecord linkRecord(const faults::LinkConfig& config, const faults::LinkStats& stats);

// The fault that most recently began (and took effect) at or before the alert fired is its
// likely cause: caused_by and detect_s (time to detect) are set from it; untouched without one.
void attributeAlert(reports::AlertRecord& alert, const std::vector<reports::FaultRecord>& faults);

// slos[], alerts[] (attributed to journal.faults, so record the faults first), series.burn_rate,
// verdict, invalid_reasons and findings. Returns the alerts' timeline events (alert-fired,
// alert-resolved) for recordTimeline.
std::vector<reports::TimelineEvent> recordJudgement(reports::Journal& journal,
                                                    const scenarios::Scenario& scenario,
                                                    const RunJudgement& judged);

// An event stamped on the monotonic clock while the run went on (start-up events come before t0).
struct PendingEvent {
  MonotonicTime at;
  std::string event;
  std::string detail;
};

// journal.timeline: `pending` made relative to t0, then `run_events` (already in run seconds),
// in time order; events at the same time keep the order they were given in.
void recordTimeline(reports::Journal& journal, const std::vector<PendingEvent>& pending,
                    MonotonicTime t0, const std::vector<reports::TimelineEvent>& run_events);

}  // namespace outrider::harness
