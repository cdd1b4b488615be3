#include "outrider/reports/journal.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "outrider/common/atomic_file.h"

namespace outrider::reports {

using json = nlohmann::ordered_json;

namespace {

// Rounds to 3 decimals (µs for milliseconds, ms for seconds) so journals diff cleanly.
double round3(double value) {
  double rounded = std::round(value * 1000.0) / 1000.0;
  return rounded == 0.0 ? 0.0 : rounded;  // no "-0.0" in the journal
}

json latencyJson(const LatencySummary& l) {
  return json{{"p50", round3(l.p50)},   {"p90", round3(l.p90)}, {"p99", round3(l.p99)},
              {"p999", round3(l.p999)}, {"max", round3(l.max)}, {"mean", round3(l.mean)}};
}

LatencySummary latencyFrom(const json& j) {
  LatencySummary l;
  l.p50 = j.value("p50", 0.0);
  l.p90 = j.value("p90", 0.0);
  l.p99 = j.value("p99", 0.0);
  l.p999 = j.value("p999", 0.0);
  l.max = j.value("max", 0.0);
  l.mean = j.value("mean", 0.0);
  return l;
}

json durationJson(const DurationSummary& d) {
  return json{{"count", d.count},
              {"p50", round3(d.p50)},
              {"p90", round3(d.p90)},
              {"p99", round3(d.p99)},
              {"max", round3(d.max)}};
}

DurationSummary durationFrom(const json& j) {
  DurationSummary d;
  d.count = j.value("count", uint64_t{0});
  d.p50 = j.value("p50", 0.0);
  d.p90 = j.value("p90", 0.0);
  d.p99 = j.value("p99", 0.0);
  d.max = j.value("max", 0.0);
  return d;
}

template <class T>
json roundedArray(const std::vector<T>& values) {
  json out = json::array();
  for (const auto& v : values) {
    if constexpr (std::is_floating_point_v<T>) {
      out.push_back(round3(v));
    } else {
      out.push_back(v);
    }
  }
  return out;
}

// Arrays with null for the seconds that have no value.
template <class T>
json optionalArray(const std::vector<std::optional<T>>& values) {
  json out = json::array();
  for (const auto& v : values) {
    if (!v) {
      out.push_back(nullptr);
    } else if constexpr (std::is_floating_point_v<T>) {
      out.push_back(std::isfinite(*v) ? json(round3(*v)) : json(nullptr));
    } else {
      out.push_back(*v);
    }
  }
  return out;
}

template <class T>
std::vector<std::optional<T>> optionalArrayFrom(const json& in) {
  std::vector<std::optional<T>> out;
  if (!in.is_array()) {
    return out;
  }
  for (const auto& v : in) {
    if (v.is_number()) {
      out.push_back(v.get<T>());
    } else {
      out.push_back(std::nullopt);
    }
  }
  return out;
}

json ratioJson(const RatioRecord& r) {
  json out = {{"source", r.source}, {"total", r.total}};
  if (!r.good.empty()) {
    out["good"] = r.good;
  }
  if (!r.bad.empty()) {
    out["bad"] = r.bad;
  }
  out["gap_seconds"] = r.gap_seconds;
  json gaps = json::array();
  for (const auto& g : r.gaps) {
    gaps.push_back({{"from_s", round3(g.from_s)}, {"to_s", round3(g.to_s)}, {"reason", g.reason}});
  }
  out["gaps"] = gaps;
  out["reset_seconds"] = r.reset_seconds;
  if (r.clients_sent) {
    out["clients"] = {{"sent", *r.clients_sent},
                      {"completed", r.clients_completed},
                      {"failed", r.clients_failed},
                      {"timed_out", r.clients_timed_out}};
  }
  if (!r.warnings.empty()) {
    out["warnings"] = r.warnings;
  }
  return out;
}

RatioRecord ratioFrom(const json& in) {
  RatioRecord r;
  r.source = in.value("source", "");
  r.total = in.value("total", "");
  r.good = in.value("good", "");
  r.bad = in.value("bad", "");
  r.gap_seconds = in.value("gap_seconds", uint64_t{0});
  for (const auto& g : in.value("gaps", json::array())) {
    r.gaps.push_back(
        GapRecord{g.value("from_s", 0.0), g.value("to_s", 0.0), g.value("reason", "")});
  }
  r.reset_seconds = in.value("reset_seconds", 0u);
  if (in.contains("clients") && in["clients"].is_object()) {
    const auto& c = in["clients"];
    r.clients_sent = c.value("sent", uint64_t{0});
    r.clients_completed = c.value("completed", uint64_t{0});
    r.clients_failed = c.value("failed", uint64_t{0});
    r.clients_timed_out = c.value("timed_out", uint64_t{0});
  }
  r.warnings = in.value("warnings", std::vector<std::string>{});
  return r;
}

}  // namespace

json toJson(const Journal& j) {
  json out;
  out["schema"] = j.schema;
  out["scenario"] = {{"name", j.scenario_name}, {"file", j.scenario_file},
                     {"sha256", j.scenario_sha256}};
  if (!j.variant.empty()) {
    out["scenario"]["variant"] = j.variant;
  }
  out["seed"] = j.seed;
  out["started_at"] = j.started_at;
  out["duration_s"] = round3(j.duration_s);
  out["startup_s"] = round3(j.startup_s);
  if (j.verdict) {
    out["verdict"] = *j.verdict;
  }
  json findings = json::array();
  for (const auto& f : j.findings) {
    findings.push_back(
        {{"kind", f.kind}, {"slo", f.slo}, {"detail", f.detail}, {"fails", f.fails}});
  }
  out["findings"] = findings;
  if (!j.invalid_reasons.empty()) {
    out["invalid_reasons"] = j.invalid_reasons;
  }
  if (!j.harness_error.empty()) {
    out["harness_error"] = j.harness_error;
  }
  const auto& l = j.load;
  out["load"] = {{"target", l.target},
                 {"rate", l.rate},
                 {"connections", l.connections},
                 {"warmup_s", round3(l.warmup_s)},
                 {"timeout_s", round3(l.timeout_s)},
                 {"scheduled", l.scheduled},
                 {"sent", l.sent},
                 {"completed", l.completed},
                 {"failed", l.failed},
                 {"timed_out", l.timed_out},
                 {"late", l.late},
                 {"not_sent", l.not_sent},
                 {"late_dispatch", l.late_dispatch},
                 {"stalled_dispatch", l.stalled_dispatch},
                 {"unexpected", l.unexpected},
                 {"unexpected_5xx", l.unexpected_5xx},
                 {"status", l.status},
                 {"latency_ms", latencyJson(l.latency_ms)},
                 {"service_time_ms", latencyJson(l.service_time_ms)},
                 {"requests_per_connection",
                  l.requests_per_connection > 0 ? json(l.requests_per_connection) : json()},
                 {"connect_ms", durationJson(l.connect_ms)}};
  if (!l.latency_histogram_ns.empty()) {
    json buckets = json::array();
    for (const auto& [value, count] : l.latency_histogram_ns) {
      buckets.push_back(json::array({value, count}));
    }
    out["load"]["latency_histogram"] = {{"unit", "ns"}, {"buckets", std::move(buckets)}};
  }
  if (l.tls) {
    json served = json::array();
    for (const auto& c : l.tls->served) {
      served.push_back({{"serial", c.serial},
                        {"issuer", c.issuer},
                        {"not_before_ms", c.not_before_ms},
                        {"not_after_ms", c.not_after_ms},
                        {"first_seen_s", round3(c.first_seen_s)},
                        {"last_seen_s", round3(c.last_seen_s)},
                        {"handshakes", c.handshakes}});
    }
    out["load"]["tls_failures"] = l.tls->failures;
    out["load"]["tls_handshake"] = durationJson(l.tls->handshake_ms);
    out["load"]["tls_served"] = served;
    out["load"]["tls_served_forgotten"] = l.tls->served_forgotten;
    out["load"]["tls_reloads"] = {{"ok", l.tls->reloads}, {"failed", l.tls->reload_failures}};
  }
  json slos = json::array();
  for (const auto& slo : j.slos) {
    json entry = {{"name", slo.name},
                  {"sli", slo.sli},
                  {"objective", slo.objective},
                  {"period_s", slo.period_s}};
    if (slo.threshold_ms) {
      entry["threshold_ms"] = *slo.threshold_ms;
    }
    entry["good"] = slo.good;
    entry["total"] = slo.total;
    entry["measured"] = std::round(slo.measured * 1e6) / 1e6;
    entry["met"] = slo.met;
    entry["budget_consumed"] = std::round(slo.budget_consumed * 1e6) / 1e6;
    entry["verdict"] = slo.verdict;
    if (slo.ratio) {
      entry["ratio"] = ratioJson(*slo.ratio);
    }
    slos.push_back(entry);
  }
  out["slos"] = slos;
  json alerts = json::array();
  for (const auto& a : j.alerts) {
    json entry = {{"slo", a.slo},         {"severity", a.severity},
                  {"long_s", a.long_s},   {"short_s", a.short_s},
                  {"factor", a.factor},   {"fired_at_s", round3(a.fired_at_s)},
                  {"resolved_at_s", a.resolved_at_s ? json(round3(*a.resolved_at_s)) : json()}};
    if (!a.caused_by.empty()) {
      entry["caused_by"] = a.caused_by;
    }
    if (a.detect_s) {
      entry["detect_s"] = round3(*a.detect_s);
    }
    alerts.push_back(entry);
  }
  out["alerts"] = alerts;
  json faults = json::array();
  for (const auto& f : j.faults) {
    json entry = {{"name", f.name},
                  {"kind", f.kind},
                  {"target", f.target},
                  {"description", f.description},
                  {"started_at_s", round3(f.started_at_s)},
                  {"ended_at_s", f.ended_at_s ? json(round3(*f.ended_at_s)) : json()},
                  {"effective", f.effective},
                  {"evidence", f.evidence},
                  {"injections", f.injections}};
    if (f.blip) {
      entry["blip"] = {{"from_s", round3(f.blip->from_s)},
                       {"to_s", round3(f.blip->to_s)},
                       {"scheduled", f.blip->scheduled},
                       {"failed", f.blip->failed},
                       {"sigterm_s", f.blip->sigterm_s ? json(round3(*f.blip->sigterm_s)) : json()},
                       {"sigterm_process", f.blip->sigterm_process},
                       {"in_flight_failed",
                        f.blip->in_flight_failed ? json(*f.blip->in_flight_failed) : json()}};
    }
    faults.push_back(std::move(entry));
  }
  out["faults"] = faults;
  json processes = json::array();
  for (const auto& p : j.processes) {
    json exits = json::array();
    for (const auto& e : p.exits) {
      exits.push_back({{"at_s", round3(e.at_s)},
                       {"code", e.code ? json(*e.code) : json(nullptr)},
                       {"signal", e.signal ? json(*e.signal) : json(nullptr)}});
    }
    processes.push_back(
        {{"name", p.name},
         {"role", p.role},
         {"starts", p.starts},
         {"restarts", p.restarts},
         {"exits", exits},
         {"ready_at_s", roundedArray(p.ready_at_s)},
         {"pids", p.pids},
         {"log", p.log},
         {"oom_kills", p.oom_kills ? json(*p.oom_kills) : json(nullptr)},
         {"cgroup", p.cgroup ? json(*p.cgroup) : json(nullptr)},
         {"limits",
          {{"memory_bytes", p.memory_limit_bytes ? json(*p.memory_limit_bytes) : json(nullptr)},
           {"cpu_cores", p.cpu_limit_cores ? json(*p.cpu_limit_cores) : json(nullptr)}}}});
    if (p.memory_growth_bytes_per_s) {
      processes.back()["memory_growth_bytes_per_s"] = round3(*p.memory_growth_bytes_per_s);
    }
  }
  out["processes"] = processes;
  json links = json::array();
  for (const auto& link : j.links) {
    links.push_back({{"name", link.name},
                     {"listen", link.listen},
                     {"to", link.to},
                     {"connections", link.connections},
                     {"connect_errors", link.connect_errors},
                     {"bytes_upstream", link.bytes_upstream},
                     {"bytes_downstream", link.bytes_downstream}});
  }
  out["links"] = links;
  if (!j.scrapes.empty()) {
    json scrapes = json::array();
    for (const auto& scrape : j.scrapes) {
      json failures = json::array();
      for (const auto& f : scrape.failures) {
        failures.push_back({{"at_s", round3(f.at_s)}, {"error", f.error}});
      }
      scrapes.push_back({{"process", scrape.process},
                         {"url", scrape.url},
                         {"attempted", scrape.attempted},
                         {"failed", scrape.failed},
                         {"failures", failures}});
    }
    out["scrapes"] = scrapes;
  }
  if (!j.credentials.empty()) {
    json credentials = json::array();
    for (const auto& c : j.credentials) {
      json sets = json::array();
      for (const auto& set : c.sets) {
        sets.push_back({{"first_seen_s", round3(set.first_seen_s)},
                        {"not_after_s", round3(set.not_after_s)},
                        {"not_after", set.not_after_utc}});
      }
      json record = {{"process", c.process}, {"sets", sets}};
      record["expired_at_s"] = c.expired_at_s ? json(round3(*c.expired_at_s)) : json(nullptr);
      credentials.push_back(std::move(record));
    }
    out["credentials"] = credentials;
  }
  if (j.audit) {
    json audit = json::array();
    for (const auto& a : *j.audit) {
      audit.push_back({{"process", a.process},
                       {"check", a.check},
                       {"severity", a.severity},
                       {"detail", a.detail}});
    }
    out["audit"] = audit;
  }
  json timeline = json::array();
  for (const auto& e : j.timeline) {
    timeline.push_back({{"at_s", round3(e.at_s)}, {"event", e.event}, {"detail", e.detail}});
  }
  out["timeline"] = timeline;
  out["series"] = {{"interval_s", j.series.interval_s},
                   {"rps", roundedArray(j.series.rps)},
                   {"errors", roundedArray(j.series.errors)},
                   {"p50_ms", roundedArray(j.series.p50_ms)},
                   {"p99_ms", roundedArray(j.series.p99_ms)}};
  json burn = json::object();
  for (const auto& [slo, windows] : j.series.burn_rate) {
    for (const auto& [window, values] : windows) {
      burn[slo][window] = roundedArray(values);
    }
  }
  out["series"]["burn_rate"] = burn;
  json process = json::object();
  for (const auto& [name, series] : j.series.process) {
    process[name] = {{"cpu_cores", optionalArray(series.cpu_cores)},
                     {"rss_bytes", optionalArray(series.rss_bytes)}};
    if (!series.cgroup_memory_bytes.empty()) {
      process[name]["cgroup_memory_bytes"] = optionalArray(series.cgroup_memory_bytes);
    }
  }
  out["series"]["process"] = process;
  json metrics = json::object();
  for (const auto& [name, selectors] : j.series.metrics) {
    metrics[name] = json::object();
    for (const auto& [selector, values] : selectors) {
      metrics[name][selector] = optionalArray(values);
    }
  }
  out["series"]["metrics"] = metrics;
  json metrics_series = json::object();
  for (const auto& [name, counts] : j.series.metrics_series) {
    metrics_series[name] = optionalArray(counts);
  }
  out["series"]["metrics_series"] = metrics_series;
  if (j.series.tls) {
    out["series"]["tls"] = {{"failures", j.series.tls->failures},
                            {"handshakes", j.series.tls->handshakes},
                            {"min_not_after_ms", optionalArray(j.series.tls->min_not_after_ms)}};
  }
  if (!j.series.ratio_events.empty()) {
    json ratio = json::object();
    for (const auto& [slo, events] : j.series.ratio_events) {
      ratio[slo] = {{"good", optionalArray(events.good)}, {"total", optionalArray(events.total)}};
    }
    out["series"]["ratio_events"] = ratio;
  }
  return out;
}

Result<Journal> journalFromJson(const json& in) {
  try {
    Journal j;
    j.schema = in.at("schema").get<std::string>();
    if (j.schema != "outrider.journal/v1") {
      return makeError(ErrorCode::InvalidArgument, "unsupported journal schema '" + j.schema + "'");
    }
    const auto& scenario = in.at("scenario");
    j.scenario_name = scenario.value("name", "");
    j.scenario_file = scenario.value("file", "");
    j.scenario_sha256 = scenario.value("sha256", "");
    j.variant = scenario.value("variant", "");
    j.seed = in.value("seed", uint64_t{0});
    j.started_at = in.value("started_at", "");
    j.duration_s = in.value("duration_s", 0.0);
    j.startup_s = in.value("startup_s", 0.0);
    if (in.contains("verdict") && in["verdict"].is_string()) {
      j.verdict = in["verdict"].get<std::string>();
    }
    j.harness_error = in.value("harness_error", "");
    for (const auto& f : in.value("findings", json::array())) {
      j.findings.push_back(FindingRecord{f.value("kind", ""), f.value("slo", ""),
                                         f.value("detail", ""), f.value("fails", false)});
    }
    j.invalid_reasons = in.value("invalid_reasons", std::vector<std::string>{});
    for (const auto& e : in.value("slos", json::array())) {
      SloRecord slo;
      slo.name = e.value("name", "");
      slo.sli = e.value("sli", "");
      slo.objective = e.value("objective", 0.0);
      slo.period_s = e.value("period_s", 0.0);
      if (e.contains("threshold_ms") && e["threshold_ms"].is_number()) {
        slo.threshold_ms = e["threshold_ms"].get<double>();
      }
      slo.good = e.value("good", uint64_t{0});
      slo.total = e.value("total", uint64_t{0});
      slo.measured = e.value("measured", 0.0);
      slo.met = e.value("met", true);
      slo.budget_consumed = e.value("budget_consumed", 0.0);
      slo.verdict = e.value("verdict", "");
      if (e.contains("ratio") && e["ratio"].is_object()) {
        slo.ratio = ratioFrom(e["ratio"]);
      }
      j.slos.push_back(std::move(slo));
    }
    for (const auto& e : in.value("alerts", json::array())) {
      AlertRecord a;
      a.slo = e.value("slo", "");
      a.severity = e.value("severity", "");
      a.long_s = e.value("long_s", 0.0);
      a.short_s = e.value("short_s", 0.0);
      a.factor = e.value("factor", 0.0);
      a.fired_at_s = e.value("fired_at_s", 0.0);
      if (e.contains("resolved_at_s") && e["resolved_at_s"].is_number()) {
        a.resolved_at_s = e["resolved_at_s"].get<double>();
      }
      a.caused_by = e.value("caused_by", "");
      if (e.contains("detect_s") && e["detect_s"].is_number()) {
        a.detect_s = e["detect_s"].get<double>();
      }
      j.alerts.push_back(std::move(a));
    }
    for (const auto& e : in.value("faults", json::array())) {
      FaultRecord f;
      f.name = e.value("name", "");
      f.kind = e.value("kind", "");
      f.target = e.value("target", "");
      f.description = e.value("description", "");
      f.started_at_s = e.value("started_at_s", 0.0);
      if (e.contains("ended_at_s") && e["ended_at_s"].is_number()) {
        f.ended_at_s = e["ended_at_s"].get<double>();
      }
      f.effective = e.value("effective", false);
      f.evidence = e.value("evidence", "");
      f.injections = e.value("injections", uint64_t{0});
      if (e.contains("blip") && e["blip"].is_object()) {
        const auto& b = e["blip"];
        FaultRecord::Blip blip;
        blip.from_s = b.value("from_s", 0.0);
        blip.to_s = b.value("to_s", 0.0);
        blip.scheduled = b.value("scheduled", uint64_t{0});
        blip.failed = b.value("failed", uint64_t{0});
        if (b.contains("sigterm_s") && b["sigterm_s"].is_number()) {
          blip.sigterm_s = b["sigterm_s"].get<double>();
        }
        blip.sigterm_process = b.value("sigterm_process", "");
        if (b.contains("in_flight_failed") && b["in_flight_failed"].is_number()) {
          blip.in_flight_failed = b["in_flight_failed"].get<uint64_t>();
        }
        f.blip = blip;
      }
      j.faults.push_back(std::move(f));
    }
    if (in.contains("load")) {
      const auto& l = in["load"];
      j.load.target = l.value("target", "");
      j.load.rate = l.value("rate", 0.0);
      j.load.connections = l.value("connections", 0u);
      j.load.warmup_s = l.value("warmup_s", 0.0);
      j.load.timeout_s = l.value("timeout_s", 0.0);
      j.load.scheduled = l.value("scheduled", uint64_t{0});
      j.load.sent = l.value("sent", uint64_t{0});
      j.load.completed = l.value("completed", uint64_t{0});
      j.load.failed = l.value("failed", uint64_t{0});
      j.load.timed_out = l.value("timed_out", uint64_t{0});
      j.load.late = l.value("late", uint64_t{0});
      j.load.not_sent = l.value("not_sent", uint64_t{0});
      j.load.late_dispatch = l.value("late_dispatch", uint64_t{0});
      j.load.stalled_dispatch = l.value("stalled_dispatch", uint64_t{0});
      j.load.unexpected = l.value("unexpected", uint64_t{0});
      j.load.unexpected_5xx = l.value("unexpected_5xx", uint64_t{0});
      if (l.contains("status")) {
        j.load.status = l["status"].get<std::map<std::string, uint64_t>>();
      }
      if (l.contains("latency_ms")) {
        j.load.latency_ms = latencyFrom(l["latency_ms"]);
      }
      if (l.contains("service_time_ms")) {
        j.load.service_time_ms = latencyFrom(l["service_time_ms"]);
      }
      if (l.contains("requests_per_connection") && l["requests_per_connection"].is_number()) {
        j.load.requests_per_connection = l["requests_per_connection"].get<uint64_t>();
      }
      if (l.contains("connect_ms") && l["connect_ms"].is_object()) {
        j.load.connect_ms = durationFrom(l["connect_ms"]);
      }
      if (l.contains("latency_histogram") && l["latency_histogram"].is_object()) {
        for (const auto& bucket : l["latency_histogram"].value("buckets", json::array())) {
          j.load.latency_histogram_ns.emplace_back(bucket.at(0).get<int64_t>(),
                                                   bucket.at(1).get<uint64_t>());
        }
      }
      if (l.contains("tls_failures") && l["tls_failures"].is_object()) {
        LoadTlsRecord tls;
        tls.failures = l["tls_failures"].get<std::map<std::string, uint64_t>>();
        tls.handshake_ms = durationFrom(l.value("tls_handshake", json::object()));
        for (const auto& c : l.value("tls_served", json::array())) {
          tls.served.push_back({c.value("serial", ""), c.value("issuer", ""),
                                c.value("not_before_ms", int64_t{0}),
                                c.value("not_after_ms", int64_t{0}), c.value("first_seen_s", 0.0),
                                c.value("last_seen_s", 0.0), c.value("handshakes", uint64_t{0})});
        }
        tls.served_forgotten = l.value("tls_served_forgotten", uint64_t{0});
        const json reloads = l.value("tls_reloads", json::object());
        tls.reloads = reloads.value("ok", uint64_t{0});
        tls.reload_failures = reloads.value("failed", uint64_t{0});
        j.load.tls = std::move(tls);
      }
    }
    for (const auto& p : in.value("processes", json::array())) {
      ProcessRecord r;
      r.name = p.value("name", "");
      r.role = p.value("role", "");
      r.starts = p.value("starts", 0u);
      r.restarts = p.value("restarts", 0u);
      r.log = p.value("log", "");
      for (const auto& e : p.value("exits", json::array())) {
        ProcessExit x;
        x.at_s = e.value("at_s", 0.0);
        if (e.contains("code") && e["code"].is_number_integer()) {
          x.code = e["code"].get<int>();
        }
        if (e.contains("signal") && e["signal"].is_string()) {
          x.signal = e["signal"].get<std::string>();
        }
        r.exits.push_back(x);
      }
      r.ready_at_s = p.value("ready_at_s", std::vector<double>{});
      r.pids = p.value("pids", std::vector<int>{});
      if (p.contains("oom_kills") && p["oom_kills"].is_number_unsigned()) {
        r.oom_kills = p["oom_kills"].get<uint64_t>();
      }
      if (p.contains("cgroup") && p["cgroup"].is_string()) {
        r.cgroup = p["cgroup"].get<std::string>();
      }
      const json limits = p.value("limits", json::object());
      if (limits.contains("memory_bytes") && limits["memory_bytes"].is_number_unsigned()) {
        r.memory_limit_bytes = limits["memory_bytes"].get<uint64_t>();
      }
      if (limits.contains("cpu_cores") && limits["cpu_cores"].is_number()) {
        r.cpu_limit_cores = limits["cpu_cores"].get<double>();
      }
      if (p.contains("memory_growth_bytes_per_s") && p["memory_growth_bytes_per_s"].is_number()) {
        r.memory_growth_bytes_per_s = p["memory_growth_bytes_per_s"].get<double>();
      }
      j.processes.push_back(std::move(r));
    }
    for (const auto& link : in.value("links", json::array())) {
      j.links.push_back(LinkRecord{link.value("name", ""), link.value("listen", ""),
                                   link.value("to", ""), link.value("connections", uint64_t{0}),
                                   link.value("connect_errors", uint64_t{0}),
                                   link.value("bytes_upstream", uint64_t{0}),
                                   link.value("bytes_downstream", uint64_t{0})});
    }
    for (const auto& scrape : in.value("scrapes", json::array())) {
      ScrapeRecord record;
      record.process = scrape.value("process", "");
      record.url = scrape.value("url", "");
      record.attempted = scrape.value("attempted", uint64_t{0});
      record.failed = scrape.value("failed", uint64_t{0});
      for (const auto& f : scrape.value("failures", json::array())) {
        record.failures.push_back(ScrapeFailure{f.value("at_s", 0.0), f.value("error", "")});
      }
      j.scrapes.push_back(std::move(record));
    }
    for (const auto& c : in.value("credentials", json::array())) {
      CredentialRecord record;
      record.process = c.value("process", "");
      for (const auto& set : c.value("sets", json::array())) {
        record.sets.push_back(CredentialSet{set.value("first_seen_s", 0.0),
                                            set.value("not_after_s", 0.0),
                                            set.value("not_after", "")});
      }
      if (c.contains("expired_at_s") && c["expired_at_s"].is_number()) {
        record.expired_at_s = c["expired_at_s"].get<double>();
      }
      j.credentials.push_back(std::move(record));
    }
    if (in.contains("audit") && in["audit"].is_array()) {
      j.audit.emplace();
      for (const auto& a : in["audit"]) {
        j.audit->push_back(AuditRecord{a.value("process", ""), a.value("check", ""),
                                       a.value("severity", ""), a.value("detail", "")});
      }
    }
    for (const auto& e : in.value("timeline", json::array())) {
      j.timeline.push_back(
          TimelineEvent{e.value("at_s", 0.0), e.value("event", ""), e.value("detail", "")});
    }
    if (in.contains("series")) {
      const auto& s = in["series"];
      j.series.interval_s = s.value("interval_s", 1.0);
      j.series.rps = s.value("rps", std::vector<double>{});
      j.series.errors = s.value("errors", std::vector<uint64_t>{});
      j.series.p50_ms = s.value("p50_ms", std::vector<double>{});
      j.series.p99_ms = s.value("p99_ms", std::vector<double>{});
      const json burn = s.value("burn_rate", json::object());  // named: items() borrows it
      for (const auto& [slo, windows] : burn.items()) {
        for (const auto& [window, values] : windows.items()) {
          j.series.burn_rate[slo][window] = values.get<std::vector<double>>();
        }
      }
      const json process = s.value("process", json::object());
      for (const auto& [name, series] : process.items()) {
        j.series.process[name].cpu_cores =
            optionalArrayFrom<double>(series.value("cpu_cores", json()));
        j.series.process[name].rss_bytes =
            optionalArrayFrom<uint64_t>(series.value("rss_bytes", json()));
        j.series.process[name].cgroup_memory_bytes =
            optionalArrayFrom<uint64_t>(series.value("cgroup_memory_bytes", json()));
      }
      const json metrics = s.value("metrics", json::object());
      for (const auto& [name, selectors] : metrics.items()) {
        for (const auto& [selector, values] : selectors.items()) {
          j.series.metrics[name][selector] = optionalArrayFrom<double>(values);
        }
      }
      const json metrics_series = s.value("metrics_series", json::object());
      for (const auto& [name, counts] : metrics_series.items()) {
        j.series.metrics_series[name] = optionalArrayFrom<uint64_t>(counts);
      }
      if (s.contains("tls") && s["tls"].is_object()) {
        const auto& t = s["tls"];
        Series::Tls tls;
        tls.failures = t.value("failures", std::vector<uint64_t>{});
        tls.handshakes = t.value("handshakes", std::vector<uint64_t>{});
        tls.min_not_after_ms = optionalArrayFrom<int64_t>(t.value("min_not_after_ms", json()));
        j.series.tls = std::move(tls);
      }
      const json ratio = s.value("ratio_events", json::object());
      for (const auto& [slo, events] : ratio.items()) {
        j.series.ratio_events[slo].good = optionalArrayFrom<uint64_t>(events.value("good", json()));
        j.series.ratio_events[slo].total =
            optionalArrayFrom<uint64_t>(events.value("total", json()));
      }
    }
    return j;
  } catch (const json::exception& e) {
    return makeError(ErrorCode::InvalidArgument, std::string("malformed journal: ") + e.what());
  }
}

Result<void> writeJournal(const Journal& journal, const std::string& run_dir) {
  // Process output quoted in errors may not be UTF-8: replace bad bytes rather than lose the run.
  const std::string text =
      toJson(journal).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  // A crash leaves the old journal or the new one, never half of one.
  return writeFileAtomically(std::filesystem::path(run_dir) / "journal.json", text, {.mode = 0644});
}

Result<Journal> readJournal(const std::string& run_dir) {
  const std::string path = run_dir + "/journal.json";
  std::ifstream file(path);
  if (!file) {
    return makeError(ErrorCode::NotFound, "no journal at " + path);
  }
  json parsed = json::parse(file, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return makeError(ErrorCode::InvalidArgument, path + ": not valid JSON");
  }
  return journalFromJson(parsed);
}

}  // namespace outrider::reports
