#pragma once

// The typed model of a v1 scenario file (shared/spec/scenario.md). Pure data: the loader fills it,
// the planner, harness, fault plan and SLO engine read it. Strings may hold placeholders until
// resolvePlaceholders() (placeholders.h) substitutes them for one run.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "outrider/common/result.h"

namespace outrider::scenarios {

using std::chrono::nanoseconds;

enum class RestartPolicy { Never, OnFailure, Always };
enum class StartMode { BeforeApp, WithApp };
enum class ProcessRole { Service, Sidecar, App };
enum class LinkProtocol { Tcp, Http };

// `user` and `group` of a process, resolved against this machine's user and group databases
// when the scenario is loaded: the harness drops to this identity before exec, as runAsUser
// does (supplementary groups cleared, no_new_privs set).
struct RunAs {
  std::string user;   // as written: a name or a decimal uid
  std::string group;  // as written, or the user's primary group's name when not given
  uint32_t uid = 0;
  uint32_t gid = 0;
  bool operator==(const RunAs&) const = default;
};

// One process of the pod ([app], [[sidecar]]) or outside it ([[service]]).
struct ProcessSpec {
  std::string name;  // "app" for [app]
  ProcessRole role = ProcessRole::App;
  std::vector<std::string> command;
  std::map<std::string, std::string> env;  // extension: extra environment variables
  std::optional<std::string> ready;        // http(s)://host:port/path or tcp://host:port
  std::optional<std::string> live;
  std::optional<std::string> metrics;  // scraped each second when set
  StartMode start = StartMode::BeforeApp;
  RestartPolicy restart = RestartPolicy::Always;
  std::optional<uint64_t> memory_limit_bytes;
  std::optional<double> cpu_limit_cores;
  nanoseconds ready_timeout = std::chrono::seconds(30);
  nanoseconds termination_grace = std::chrono::seconds(5);
  nanoseconds restart_backoff = std::chrono::seconds(10);
  std::optional<RunAs> run_as;  // user/group; absent: the harness's own identity
  SourceLocation where;         // the table that declared it
};

struct Link {
  std::string name;
  std::string listen;  // host:port
  std::string to;      // host:port
  LinkProtocol protocol = LinkProtocol::Tcp;
  SourceLocation where;
};

// [load.tls]: how an https:// target is reached. Paths are relative to the scenario's folder once
// resolved (resolvePlaceholders); the files may not exist before the run (a secret sidecar writes
// them), so only the keys are checked at load time.
struct LoadTls {
  std::string ca;    // bundle the server is verified against; empty: not verified
  std::string cert;  // client certificate (mTLS); with key, or neither
  std::string key;
  std::string server_name;  // SNI and the name the server's certificate must carry; empty: host
  SourceLocation where;
};

// A reply status: one code (401) or a class ("4xx": klass 4). An SLO's `bad_status` and
// `[load] expect.status` are lists of them.
struct StatusMatch {
  int code = 0;   // 100..599, or 0 for a class
  int klass = 0;  // 1..5 for a class
  bool matches(int status) const { return code != 0 ? status == code : status / 100 == klass; }
  bool operator==(const StatusMatch&) const = default;
};

// "401", "4xx".
std::string toString(const StatusMatch& match);

// [load] expect: what a correct reply has. A reply that does not match is bad for every SLI and
// counted in load.unexpected (a reply from the wrong service is an outage, not a success).
struct LoadExpect {
  std::vector<StatusMatch> status;  // any of these; empty: any status
  // Each must be in the reply with exactly this value (names compared case-insensitively).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body_contains;  // empty: the body is not looked at
  SourceLocation where;
};

struct Load {
  std::string target;  // http:// or https://host:port/path
  // [load] path: the request path with ${seq} and ${rand:N} (common/path_template.h), sent as
  // written (the scenario's own placeholders are not expanded in it); empty: the target's path.
  std::string path;
  double rate = 0;     // requests per second
  uint32_t connections = 16;
  nanoseconds warmup = std::chrono::seconds(0);
  nanoseconds timeout = std::chrono::seconds(1);
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // An https:// target without [load.tls] is encrypted but the server is not verified.
  std::optional<LoadTls> tls;
  // A connection is closed and opened anew after this many requests; 0: never (keep-alive).
  uint64_t requests_per_connection = 0;
  std::optional<LoadExpect> expect;  // [load] expect; absent: every full reply is correct
  SourceLocation where;
};

enum class FaultKind {
  // link faults
  Latency,
  Bandwidth,
  Reset,
  Blackhole,
  Refuse,
  SlowClose,
  Slicer,
  LimitData,
  HttpAbort,
  Misroute,
  // process faults
  Kill,
  Pause,
  Crashloop,
  Oom,
  CpuStarve,
  // certificate faults
  CertExpiry,
  CertWrongCa,
  ClockSkew,
  // control plane, start-up and shutdown
  ControlPlaneOutage,
  PodRestart,
  StartupRace,
  // a kind declared through a FaultCatalog (fault_catalog.h): Fault::extension_kind names it and
  // Fault::params holds its keys
  Extension,
};

// One decoded key of an extension kind.
struct FaultParam {
  enum class Type { Duration, Size, Number, Integer, String, Bool };
  Type type = Type::String;
  nanoseconds duration{0};
  uint64_t size = 0;
  double number = 0;
  int64_t integer = 0;
  std::string text;
  bool flag = false;
};

enum class Direction { Downstream, Upstream, Both };
enum class ControlPlaneMode { Down, Hang, Error, Slow };
enum class StartupRaceMode { AppFirst, SidecarSlow, SidecarCrashOnStart, SidecarExitsFirst };
// oom: only a cap, or a cap and an allocator inside the target's cgroup (pressure, a leak).
enum class OomMode { Cap, Pressure };
// cpu-starve: only a quota, or a quota shared with busy workers inside the target's cgroup.
enum class CpuStarveMode { Quota, Hog };

// One [[fault]]. Only the parameters of its kind are meaningful; the loader rejects keys that
// belong to other kinds.
struct Fault {
  std::string name;  // the `name` key, else "<kind>-<target>" (made unique with -2, -3...)
  FaultKind kind = FaultKind::Latency;
  std::string target;                   // a link or process name; pod-restart: may be empty
  nanoseconds at{0};                    // offset from the run's start
  std::optional<nanoseconds> duration;  // absent: until the end of the run
  double probability = 1.0;
  Direction direction = Direction::Downstream;

  nanoseconds latency{0};         // latency
  nanoseconds jitter{0};          // latency
  uint64_t rate_bytes_per_s = 0;  // bandwidth; oom pressure (default 64MiB/s)
  nanoseconds after{0};           // reset
  // slow-close, slicer, control-plane-outage slow, startup-race app-first, sidecar-slow and
  // sidecar-exits-first
  nanoseconds delay{0};
  uint64_t average_size = 0;    // slicer
  uint64_t size_variation = 0;  // slicer
  uint64_t bytes = 0;           // limit-data
  int status = 503;             // http-abort
  std::string to;               // misroute: host:port the connections go to instead
  int signal = 9;               // kill (default SIGKILL)
  std::string signal_name = "SIGKILL";
  uint64_t limit_bytes = 0;  // oom
  OomMode oom_mode = OomMode::Cap;
  double share = 0;  // cpu-starve
  CpuStarveMode cpu_starve_mode = CpuStarveMode::Quota;
  uint32_t workers = 1;      // cpu-starve hog
  nanoseconds ttl{0};        // cert-expiry
  nanoseconds skew{0};       // clock-skew (may be negative)
  ControlPlaneMode control_plane_mode = ControlPlaneMode::Down;
  StartupRaceMode startup_race_mode = StartupRaceMode::AppFirst;
  uint32_t times = 1;  // startup-race sidecar-crash-on-start
  std::string extension_kind;                 // kind == Extension: its `kind` value
  std::map<std::string, FaultParam> params;  // kind == Extension: its keys as declared
  bool extension_on_link = false;             // kind == Extension: from its schema
  // control-plane-outage: its target is a [[link]] in front of the control plane (set by the
  // loader), so the link carries it out; else outrider-control's own switches do.
  bool through_link = false;
  bool extension_has_span = true;
  SourceLocation where;

  // The `kind` value as written: toString(kind), or extension_kind.
  std::string kindName() const;
  bool actsOnLink() const;
  // Takes a `duration` (a window); false for instants such as kill.
  bool hasSpan() const;
};

enum class SliKind { Availability, Latency, Ratio, Uptime };

// bad_status holds StatusMatch (above, beside [load] expect).
struct Slo {
  std::string name;
  SliKind sli = SliKind::Availability;
  double objective = 0;
  std::optional<nanoseconds> threshold;  // latency
  nanoseconds period = std::chrono::hours(24 * 30);
  // availability and latency: the replies that are bad besides failed, timed-out and unsent
  // requests. Always holds 5xx (the loader refuses a list without it).
  std::vector<StatusMatch> bad_status = {StatusMatch{0, 5}};
  // sli = "ratio": events from a process's metrics; sli = "uptime": the process whose readiness
  // is measured (source only)
  std::string source;
  std::string good;
  std::string bad;
  std::string total;
  SourceLocation where;
};

struct AlertRule {
  std::string severity;  // page | ticket
  nanoseconds long_window{0};
  nanoseconds short_window{0};
  double factor = 0;
};

enum class AlertPolicy { SreWorkbook, Rules };
enum class AlertHistory { Clean, None };

struct Alerting {
  AlertPolicy policy = AlertPolicy::SreWorkbook;
  AlertHistory history = AlertHistory::Clean;
  std::vector<AlertRule> rules;  // the explicit rules, or the sre-workbook table when that policy
};

// Leak: a process's memory grew faster than max_memory_growth; Cardinality: its scraped metrics
// held more series than max_series or added them faster than max_series_growth; Audit: a high or
// medium problem of the privilege and secret audit (journal audit[]). None is an SLO's finding.
enum class FindingKind { Objective, Page, Ticket, Budget, Leak, Cardinality, Audit };

struct Gate {
  std::vector<FindingKind> fail_on = {FindingKind::Objective, FindingKind::Page};
  std::optional<double> max_budget_consumed;
  uint64_t min_events = 100;
  // max_memory_growth = "20MiB/min": the finding `leak` above this slope, in bytes per second.
  std::optional<double> max_memory_growth_bytes_per_s;
  std::string max_memory_growth;  // as written
  // max_series = 2000, max_series_growth = "100/min": the finding `cardinality` (F5, M11) when a
  // process's scrapes hold more series, or their count's slope is steeper (series per second).
  std::optional<uint64_t> max_series;
  std::optional<double> max_series_growth_per_s;
  std::string max_series_growth;  // as written
};

// [[variant]]: one sidecar with some of its keys replaced, for `run --variant` and `canary`.
struct Variant {
  std::string name;
  std::string sidecar;            // the [[sidecar]] it replaces
  ProcessSpec process;            // that sidecar with the variant's keys in place
  std::vector<std::string> keys;  // the keys it replaces, in the file's order
  SourceLocation where;
};

// A canary metric's tolerance (`[canary] max_regression`): how much worse the candidate may be.
// Relative: a fraction of the baseline ("10%" = 0.10). Absolute: in the metric's own unit, ms for
// a latency ("5ms") and a fraction of requests for an error rate or an SLO's bad events ("0.1%").
struct CanaryTolerance {
  double value = 0;
  bool relative = true;
  std::string text;  // as written, or the default's
  bool operator==(const CanaryTolerance&) const = default;
};

enum class CanaryMetricKind { ErrorRate, LatencyP50, LatencyP99, Slo };

struct CanaryMetric {
  std::string name;  // "error_rate", "latency_p50", "latency_p99", or an [[slo]]'s name
  CanaryMetricKind kind = CanaryMetricKind::ErrorRate;
  CanaryTolerance tolerance;
};

// [canary]; absent: the defaults (5 pairs, error_rate, latency_p50 and latency_p99).
struct Canary {
  uint32_t pairs = 5;
  std::vector<CanaryMetric> metrics;
  SourceLocation where;
};

// The tolerance a metric has when max_regression does not name it: 10% for latencies, 0.1
// points for an error rate or an SLO's bad fraction.
CanaryTolerance defaultCanaryTolerance(CanaryMetricKind kind);
// The spec's default metric set, with default tolerances.
std::vector<CanaryMetric> defaultCanaryMetrics();
std::string toString(CanaryMetricKind kind);

struct Scenario {
  std::string file;      // as given on the command line
  std::string contents;  // the file's text, for the journal's sha256
  std::string name;
  std::string description;
  nanoseconds duration{0};
  std::optional<uint64_t> seed;

  ProcessSpec app;
  std::vector<ProcessSpec> sidecars;
  std::vector<ProcessSpec> services;
  std::vector<Link> links;
  std::optional<Load> load;
  std::vector<Fault> faults;
  std::vector<Slo> slos;
  Alerting alerting;
  Gate gate;
  std::vector<Variant> variants;
  Canary canary;        // defaults when the file has no [canary]
  std::string variant;  // the [[variant]] applyVariant() put in place; empty: none

  // Every process in start-order groups: services, sidecars, app.
  std::vector<const ProcessSpec*> processes() const;
  const ProcessSpec* findProcess(const std::string& name) const;
  const Link* findLink(const std::string& name) const;
  const Variant* findVariant(const std::string& name) const;
};

// Puts [[variant]] `name` in place of its sidecar (`run --variant`). An unknown name is an error
// that lists the variants the scenario has.
Result<void> applyVariant(Scenario& scenario, const std::string& name);

// The spec's sre-workbook table: page 1h/5m 14.4, page 6h/30m 6, ticket 1d/2h 3, ticket 3d/6h 1.
std::vector<AlertRule> sreWorkbookRules();

// Fault kinds as the spec spells them: "latency", "http-abort", "control-plane-outage"...
// "extension" for FaultKind::Extension: use Fault::kindName() for the name a user wrote.
std::string toString(FaultKind kind);
std::optional<FaultKind> parseFaultKind(const std::string& text);
// A link fault acts on a [[link]]; every other kind acts on a process (the spec's process,
// certificate, control-plane and start-up faults), so exactly one of these two is true.
bool isLinkFault(FaultKind kind);
bool isProcessFault(FaultKind kind);
// Every built-in fault kind in the spec's order (Extension is not one).
const std::vector<FaultKind>& allFaultKinds();
// The keys a [[fault]] of this kind takes besides name, kind, target and at, in the spec's
// order ("duration", "direction", "probability", "latency", "jitter" for latency).
std::vector<std::string> faultParameterKeys(FaultKind kind);

std::string toString(RestartPolicy policy);
std::string toString(StartMode mode);
std::string toString(ProcessRole role);
std::string toString(FindingKind kind);
std::string toString(LinkProtocol protocol);
std::string toString(Direction direction);
std::string toString(ControlPlaneMode mode);
std::string toString(StartupRaceMode mode);
std::string toString(OomMode mode);
std::string toString(CpuStarveMode mode);
std::string toString(SliKind kind);
std::string toString(AlertPolicy policy);
std::string toString(AlertHistory history);

}  // namespace outrider::scenarios
