#pragma once

// The journal of one run (shared/spec/journal.md, schema outrider.journal/v1) as typed data.
// The harness fills it; every report is rendered from it; toJson/fromJson are its only encoding.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "outrider/common/result.h"

namespace outrider::reports {

struct LatencySummary {
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double p999 = 0;
  double max = 0;
  double mean = 0;
};

// A duration histogram apart from request latency (TLS handshakes, connects), in ms.
struct DurationSummary {
  uint64_t count = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double max = 0;
};

// load.tls_served[]: a certificate an https target presented, read from the handshakes.
struct ServedCertificateRecord {
  std::string serial;         // hex
  std::string issuer;         // RFC 2253
  int64_t not_before_ms = 0;  // unix ms
  int64_t not_after_ms = 0;
  double first_seen_s = 0;  // from the load's t0
  double last_seen_s = 0;
  uint64_t handshakes = 0;
};

// The https side of `load` (absent for plain http).
struct LoadTlsRecord {
  std::map<std::string, uint64_t> failures;     // load.tls_failures: measured requests, by reason
  DurationSummary handshake_ms;                 // load.tls_handshake: successful handshakes
  std::vector<ServedCertificateRecord> served;  // load.tls_served: the last 1000 distinct
  uint64_t served_forgotten = 0;                // older distinct certificates beyond those
  uint64_t reloads = 0;                         // the client's files changed and were taken
  uint64_t reload_failures = 0;                 // changed files that made no context
};

struct LoadRecord {
  std::string target;
  double rate = 0;
  uint32_t connections = 0;
  double warmup_s = 0;
  double timeout_s = 0;
  uint64_t scheduled = 0;
  uint64_t sent = 0;
  uint64_t completed = 0;
  uint64_t failed = 0;
  uint64_t timed_out = 0;
  uint64_t late = 0;
  uint64_t not_sent = 0;
  uint64_t late_dispatch = 0;     // late because the generator itself noticed them late
  uint64_t stalled_dispatch = 0;  // noticed over 10 ms late: a generator stall
  uint64_t unexpected = 0;        // replies that did not match [load] expect
  uint64_t unexpected_5xx = 0;    // of those, the 5xx ones (bad as 5xx already; an addition)
  std::map<std::string, uint64_t> status;  // "2xx" -> count
  LatencySummary latency_ms;               // from scheduled send time (CO corrected)
  LatencySummary service_time_ms;          // from actual send time
  uint64_t requests_per_connection = 0;    // 0: unlimited
  DurationSummary connect_ms;              // TCP connects, apart from request latency
  std::optional<LoadTlsRecord> tls;        // https only
  // load.latency_histogram (beyond the contract): the corrected latency's histogram, as
  // (lowest equivalent value in ns, count) of each non-zero bucket, so runs merge exactly (a
  // canary's merged percentiles).
  std::vector<std::pair<int64_t, uint64_t>> latency_histogram_ns;
};

struct ProcessExit {
  double at_s = 0;
  std::optional<int> code;
  std::optional<std::string> signal;
};

struct ProcessRecord {
  std::string name;
  std::string role;  // app | sidecar | service
  uint32_t starts = 0;
  uint32_t restarts = 0;
  std::vector<ProcessExit> exits;
  std::vector<double> ready_at_s;
  std::vector<int> pids;  // one per start, so a test or an operator can check none is left
  // Beyond the contract: the least-squares slope of its memory over the measured span (cgroup
  // memory where it has a cgroup, else RSS), bytes per second; null without enough samples.
  std::optional<double> memory_growth_bytes_per_s;
  std::string log;  // path relative to the run folder
  // journal.md v1.1: the kernel's OOM kills in its cgroup over the run, the cgroup's path, and
  // the limits the scenario set (what a fault changed for its window is in its evidence).
  std::optional<uint64_t> oom_kills;  // null without a cgroup (or an unreadable counter)
  std::optional<std::string> cgroup;
  std::optional<uint64_t> memory_limit_bytes;
  std::optional<double> cpu_limit_cores;
};

struct TimelineEvent {
  double at_s = 0;
  std::string event;  // process-start, process-exit, ready, not-ready, fault-start, ...
  std::string detail;
};

// series.process.<name> (journal.md v1.1): one value per second, null while it was not running.
struct ProcessSeries {
  std::vector<std::optional<double>> cpu_cores;
  std::vector<std::optional<uint64_t>> rss_bytes;
  // Its own cgroup's memory (v1 memory.usage_in_bytes, v2 memory.current); empty without one.
  std::vector<std::optional<uint64_t>> cgroup_memory_bytes;
};

// series.ratio_events.<slo> (beyond the contract): the events a ratio SLO counted each second,
// null in a gap (no scrape to count from).
struct RatioEventSeries {
  std::vector<std::optional<uint64_t>> good;
  std::vector<std::optional<uint64_t>> total;
};

struct Series {
  double interval_s = 1;
  std::vector<double> rps;
  std::vector<uint64_t> errors;
  std::vector<double> p50_ms;
  std::vector<double> p99_ms;
  // SLO name -> window ("5m", "1h") -> burn rate at the end of each second of the run (0 during
  // the warmup, which no SLI measures), aligned with the arrays above.
  std::map<std::string, std::map<std::string, std::vector<double>>> burn_rate;
  // Every process, by name (journal.md v1.1).
  std::map<std::string, ProcessSeries> process;
  // Process -> selector -> its scraped value at the end of each second, for every selector an
  // SLI uses; null when that second's scrape failed (journal.md v1.1).
  std::map<std::string, std::map<std::string, std::vector<std::optional<double>>>> metrics;
  // Process -> the number of series in each second's scrape; null when it failed (v1.1).
  std::map<std::string, std::vector<std::optional<uint64_t>>> metrics_series;
  std::map<std::string, RatioEventSeries> ratio_events;
  // series.tls (https loads; beyond the contract): per second, the measured requests that failed
  // in a TLS handshake (by scheduled second, like errors), the handshakes that ended in it and
  // the earliest NotAfter they were served (unix ms; null: no handshake).
  struct Tls {
    std::vector<uint64_t> failures;
    std::vector<uint64_t> handshakes;
    std::vector<std::optional<int64_t>> min_not_after_ms;
  };
  std::optional<Tls> tls;
};

struct FindingRecord {
  std::string kind;  // objective | page | ticket | budget | leak | audit
  std::string slo;
  std::string detail;
  bool fails = false;  // listed in the gate's fail_on
};

// A span of seconds a ratio SLO has no events for, and the first reason.
struct GapRecord {
  double from_s = 0;
  double to_s = 0;
  std::string reason;
};

// slos[].ratio (beyond the contract): where a ratio SLI's events came from, the seconds it could
// not count, and what the clients saw over the same span.
struct RatioRecord {
  std::string source;
  std::string total;  // the selectors, as written
  std::string good;
  std::string bad;
  uint64_t gap_seconds = 0;  // measured seconds without events
  std::vector<GapRecord> gaps;
  uint32_t reset_seconds = 0;  // seconds in which counters started again from 0 (restarts)
  // The load generator's requests over the measured span, when there was load: what clients saw.
  std::optional<uint64_t> clients_sent;
  uint64_t clients_completed = 0;
  uint64_t clients_failed = 0;
  uint64_t clients_timed_out = 0;
  std::vector<std::string> warnings;  // "no metric named x_total in any scrape of proxy"
};

struct SloRecord {
  std::string name;
  std::string sli;
  double objective = 0;
  double period_s = 0;
  std::optional<double> threshold_ms;  // latency SLIs
  uint64_t good = 0;
  uint64_t total = 0;
  double measured = 0;
  bool met = true;
  double budget_consumed = 0;
  std::string verdict;  // pass | fail | inconclusive
  std::optional<RatioRecord> ratio;  // sli = "ratio"
};

struct AlertRecord {
  std::string slo;
  std::string severity;
  double long_s = 0;
  double short_s = 0;
  double factor = 0;
  double fired_at_s = 0;
  std::optional<double> resolved_at_s;
  std::string caused_by;  // the fault that started last before it fired, if any
  std::optional<double> detect_s;  // fired_at_s - that fault's start
};

struct FaultRecord {
  std::string name;
  std::string kind;
  std::string target;
  std::string description;
  double started_at_s = 0;
  std::optional<double> ended_at_s;
  bool effective = false;
  std::string evidence;
  uint64_t injections = 0;
  // A pod restart's blip (journal `faults[].blip`, an addition): the window the pod was away in
  // and what the load saw of it.
  struct Blip {
    double from_s = 0;
    double to_s = 0;
    uint64_t scheduled = 0;  // measured requests scheduled in the window
    uint64_t failed = 0;     // of those, the ones that failed
    // The stop's first SIGTERM and who got it: the app, unless a race sent it to a sidecar first.
    std::optional<double> sigterm_s;
    std::string sigterm_process;
    // Failed requests that had been handed to a connection before that SIGTERM (and within the
    // load's timeout of it): the stop order owed them a reply.
    std::optional<uint64_t> in_flight_failed;
  };
  std::optional<Blip> blip;
};

struct LinkRecord {
  std::string name;
  std::string listen;
  std::string to;
  uint64_t connections = 0;
  uint64_t connect_errors = 0;
  uint64_t bytes_upstream = 0;
  uint64_t bytes_downstream = 0;
};

// scrapes[] (beyond the contract): one per process with a metrics URL.
struct ScrapeFailure {
  double at_s = 0;
  std::string error;
};

struct ScrapeRecord {
  std::string process;
  std::string url;
  uint64_t attempted = 0;
  uint64_t failed = 0;
  std::vector<ScrapeFailure> failures;  // the first ones (see MaxListedScrapeFailures)
};

inline constexpr size_t MaxListedScrapeFailures = 20;

// credentials[] (beyond the contract): a process whose scrapes carry the certificate gauge
// outrider_secrets_cert_not_after_seconds (outrider-secrets, or any sidecar that exports it),
// with each certificate seen and, when the run outlived the newest one, when it expired.
struct CredentialSet {
  double first_seen_s = 0;  // run seconds: the first scrape that showed it
  double not_after_s = 0;   // its NotAfter, in run seconds (may be past the run's end)
  std::string not_after_utc;
};

struct CredentialRecord {
  std::string process;
  std::vector<CredentialSet> sets;
  // The NotAfter of a set that no newer set replaced before it, inside the run.
  std::optional<double> expired_at_s;
};

// audit[] (v1.1): one problem the privilege and secret audit saw. It names where a secret was
// found, never the secret.
struct AuditRecord {
  std::string process;   // the process it concerns ("load" for [load.tls] files)
  std::string check;     // user, capabilities, no_new_privs, key_file_mode, key_file_owner,
                         // secret_in_log, secret_in_command_line, secret_in_environment
  std::string severity;  // high | medium | low
  std::string detail;
  bool operator==(const AuditRecord&) const = default;
};

struct Journal {
  std::string schema = "outrider.journal/v1";
  std::string scenario_name;
  std::string scenario_file;
  std::string scenario_sha256;
  std::string variant;  // scenario.variant: the [[variant]] in place (`run --variant`), or empty
  uint64_t seed = 0;
  std::string started_at;  // RFC 3339 UTC
  double duration_s = 0;
  double startup_s = 0;  // pod start-up before the run's t=0 (negative at_s in the timeline)
  std::optional<std::string> verdict;
  std::vector<FindingRecord> findings;
  std::vector<std::string> invalid_reasons;  // why the run cannot be trusted, when invalid
  std::string harness_error;  // set when the harness failed
  LoadRecord load;
  std::vector<SloRecord> slos;
  std::vector<AlertRecord> alerts;
  std::vector<FaultRecord> faults;
  std::vector<ProcessRecord> processes;
  std::vector<LinkRecord> links;
  std::vector<ScrapeRecord> scrapes;
  std::vector<CredentialRecord> credentials;
  // Absent: nothing was audited (no pod ran, or a journal from before v1.1); empty: a clean audit.
  std::optional<std::vector<AuditRecord>> audit;
  std::vector<TimelineEvent> timeline;
  Series series;
};

// Ordered JSON: the journal reads in the order of spec/journal.md (schema first, series last).
nlohmann::ordered_json toJson(const Journal& journal);
Result<Journal> journalFromJson(const nlohmann::ordered_json& json);

// Writes journal.json into a run folder atomically (temp file, fsync, rename).
Result<void> writeJournal(const Journal& journal, const std::string& run_dir);
Result<Journal> readJournal(const std::string& run_dir);

}  // namespace outrider::reports
