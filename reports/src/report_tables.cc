#include "report_tables.h"

#include <fmt/format.h>

#include <cmath>

#include "outrider/common/units.h"

namespace outrider::reports::detail {

namespace {

using Mark = Cell::Mark;

Cell text(std::string value) { return Cell{std::move(value), Mark::None}; }

std::string seconds(double s) { return fmt::format("{:.1f}s", s); }

}  // namespace

std::string exitText(const ProcessExit& e) {
  if (e.signal) {
    return fmt::format("{} at {:.2f}s", *e.signal, e.at_s);
  }
  if (e.code) {
    return fmt::format("code {} at {:.2f}s", *e.code, e.at_s);
  }
  return fmt::format("at {:.2f}s", e.at_s);
}

double percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

Table sloTable(const Journal& j) {
  Table table{{{"SLO"},
               {"SLI"},
               {"objective", true},
               {"measured", true},
               {"good / total", true},
               {"budget consumed", true},
               {"verdict"}},
              {}};
  for (const auto& slo : j.slos) {
    std::string sli = slo.sli;
    if (slo.threshold_ms) {
      sli += fmt::format(" (≤ {} ms)", *slo.threshold_ms);
    }
    if (slo.ratio) {
      sli += fmt::format(" (metrics of {})", slo.ratio->source);
    }
    table.rows.push_back({text(slo.name), text(sli), text(fmt::format("{}", slo.objective)),
                          text(fmt::format("{:.5f}", slo.measured)),
                          text(fmt::format("{} / {}", slo.good, slo.total)),
                          text(fmt::format("{:.2f}% of {}", 100.0 * slo.budget_consumed,
                                           formatDurationSeconds(slo.period_s))),
                          Cell{slo.verdict, Mark::Verdict}});
  }
  return table;
}

Table alertTable(const Journal& j) {
  Table table{{{"SLO"},
               {"severity"},
               {"windows"},
               {"factor", true},
               {"fired", true},
               {"resolved", true},
               {"detected after"}},
              {}};
  for (const auto& a : j.alerts) {
    table.rows.push_back(
        {text(a.slo), text(a.severity),
         text(formatDurationSeconds(a.long_s) + "/" + formatDurationSeconds(a.short_s)),
         text(fmt::format("{}", a.factor)), text(seconds(a.fired_at_s)),
         text(a.resolved_at_s ? seconds(*a.resolved_at_s) : "firing"),
         text(a.detect_s ? fmt::format("{:.1f}s ({})", *a.detect_s, a.caused_by) : "-")});
  }
  return table;
}

Table faultTable(const Journal& j) {
  Table table{{{"fault"}, {"what"}, {"from", true}, {"to", true}, {"took effect"}, {"evidence"}},
              {}};
  for (const auto& f : j.faults) {
    table.rows.push_back({text(f.name), text(f.description), text(seconds(f.started_at_s)),
                          text(f.ended_at_s ? seconds(*f.ended_at_s) : "end"),
                          f.effective ? text("yes") : Cell{"no", Mark::Bad}, text(f.evidence)});
  }
  return table;
}

Table loadCountsTable(const LoadRecord& l) {
  Table table{{{"scheduled", true},
               {"sent", true},
               {"completed", true},
               {"failed", true},
               {"timed out", true},
               {"late (>1 ms)", true},
               {"not sent", true}},
              {}};
  table.rows.push_back(
      {text(std::to_string(l.scheduled)), text(std::to_string(l.sent)),
       text(std::to_string(l.completed)), text(std::to_string(l.failed)),
       text(std::to_string(l.timed_out)),
       text(fmt::format("{} ({:.2f}%)", l.late, percent(l.late, l.scheduled))),
       text(fmt::format("{} ({:.2f}%)", l.not_sent, percent(l.not_sent, l.scheduled)))});
  if (l.unexpected > 0) {
    // Replies that did not match [load] expect: shown only when there were some.
    table.columns.push_back({"unexpected", true});
    table.rows.back().push_back(Cell{
        fmt::format("{} ({:.2f}%)", l.unexpected, percent(l.unexpected, l.completed)), Mark::Bad});
  }
  return table;
}

Table latencyTable(const LoadRecord& l) {
  Table table{{{"latency (ms)"},
               {"p50", true},
               {"p90", true},
               {"p99", true},
               {"p99.9", true},
               {"max", true}},
              {}};
  auto row = [&table](std::string name, const LatencySummary& s) {
    std::vector<Cell> cells{text(std::move(name))};
    for (double v : {s.p50, s.p90, s.p99, s.p999, s.max}) {
      cells.push_back(text(fmt::format("{:.3f}", v)));
    }
    table.rows.push_back(std::move(cells));
  };
  row("from scheduled send (what users see)", l.latency_ms);
  row("from actual send (service time)", l.service_time_ms);
  return table;
}

Table processTable(const Journal& j) {
  Table table{{{"process"},
               {"role"},
               {"starts", true},
               {"restarts", true},
               {"ready at (s)"},
               {"exits"},
               {"memory growth", true},
               {"log"}},
              {}};
  for (const auto& p : j.processes) {
    std::string growth = "-";
    if (p.memory_growth_bytes_per_s) {
      const double rate = *p.memory_growth_bytes_per_s;
      growth = (rate < 0 ? "-" : "") +
               formatBytes(static_cast<uint64_t>(std::llround(std::abs(rate)))) + "/s";
    }
    std::string ready;
    for (double at : p.ready_at_s) {
      ready += fmt::format("{}{:.2f}", ready.empty() ? "" : ", ", at);
    }
    std::string exits;
    for (const auto& e : p.exits) {
      exits += (exits.empty() ? "" : "; ") + exitText(e);
    }
    table.rows.push_back({text(p.name), text(p.role), text(std::to_string(p.starts)),
                          text(std::to_string(p.restarts)), text(ready.empty() ? "-" : ready),
                          text(exits.empty() ? "-" : exits), text(growth),
                          Cell{p.log, Mark::Code}});
  }
  return table;
}

Table resourceTable(const std::vector<ResourceSummary>& resources) {
  Table table{{{"process"},
               {"restarts", true},
               {"CPU mean (cores)", true},
               {"CPU max (cores)", true},
               {"RSS max", true},
               {"RSS at the end", true},
               {"seconds without a sample", true}},
              {}};
  auto cores = [](const std::optional<double>& v) {
    return text(v ? fmt::format("{:.3f}", *v) : "-");
  };
  auto bytes = [](const std::optional<uint64_t>& v) { return text(v ? formatBytes(*v) : "-"); };
  for (const auto& r : resources) {
    table.rows.push_back({text(r.process), text(std::to_string(r.restarts)), cores(r.cpu_mean),
                          cores(r.cpu_max), bytes(r.rss_max), bytes(r.rss_last),
                          text(fmt::format("{} of {}", r.missing_seconds, r.seconds))});
  }
  return table;
}

namespace {

// "first -> peak" of a process's series counts (series.metrics_series), "-" without any.
std::string seriesRange(const Journal& j, const std::string& process) {
  auto found = j.series.metrics_series.find(process);
  if (found == j.series.metrics_series.end()) {
    return "-";
  }
  std::optional<uint64_t> first;
  std::optional<uint64_t> peak;
  for (const auto& count : found->second) {
    if (count) {
      first = first ? first : count;
      peak = peak && *peak >= *count ? peak : count;
    }
  }
  return first ? fmt::format("{} -> {}", *first, *peak) : "-";
}

}  // namespace

Table scrapeTable(const Journal& j) {
  Table table{{{"process"},
               {"url"},
               {"scrapes", true},
               {"failed", true},
               {"series (first -> peak)"},
               {"first failures"}},
              {}};
  for (const auto& scrape : j.scrapes) {
    std::string failures;
    for (const auto& f : scrape.failures) {
      failures += fmt::format("{}{:.1f}s: {}", failures.empty() ? "" : "; ", f.at_s, f.error);
    }
    if (scrape.failed > scrape.failures.size()) {
      failures += fmt::format("; {} more", scrape.failed - scrape.failures.size());
    }
    table.rows.push_back(
        {text(scrape.process), Cell{scrape.url, Mark::Code}, text(std::to_string(scrape.attempted)),
         Cell{std::to_string(scrape.failed), scrape.failed > 0 ? Mark::Bad : Mark::None},
         text(seriesRange(j, scrape.process)), text(failures.empty() ? "-" : failures)});
  }
  return table;
}

Table linkTable(const Journal& j) {
  Table table{{{"link"},
               {"listen"},
               {"to"},
               {"connections", true},
               {"connect errors", true},
               {"bytes up", true},
               {"bytes down", true}},
              {}};
  for (const auto& link : j.links) {
    table.rows.push_back(
        {text(link.name), text(link.listen), text(link.to), text(std::to_string(link.connections)),
         text(std::to_string(link.connect_errors)), text(std::to_string(link.bytes_upstream)),
         text(std::to_string(link.bytes_downstream))});
  }
  return table;
}

Table auditTable(const std::vector<AuditRecord>& audit) {
  Table table{{{"process"}, {"check"}, {"severity"}, {"detail"}}, {}};
  for (const auto& a : audit) {
    const bool bad = a.severity == "high" || a.severity == "medium";
    table.rows.push_back({text(a.process), text(a.check),
                          Cell{a.severity, bad ? Cell::Mark::Bad : Cell::Mark::None},
                          text(a.detail)});
  }
  return table;
}

}  // namespace outrider::reports::detail
