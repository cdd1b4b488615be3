#include "outrider/reports/markdown_report.h"

#include <algorithm>

#include <fmt/format.h>

#include "observations.h"
#include "outrider/common/units.h"

namespace outrider::reports {

namespace {

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

}  // namespace

std::string renderMarkdown(const Journal& j) {
  std::string out;
  auto line = [&out](const std::string& text) {
    out += text;
    out += '\n';
  };
  line(fmt::format("# Game day: {}", j.scenario_name));
  line("");
  line(fmt::format("- Scenario: `{}` (sha256 `{}`)", j.scenario_file,
                   j.scenario_sha256.substr(0, std::min<size_t>(12, j.scenario_sha256.size()))));
  line(fmt::format("- Seed: {}", j.seed));
  line(fmt::format("- Started: {}, ran {:.1f}s (pod start-up {:.2f}s before that)", j.started_at,
                   j.duration_s, j.startup_s));
  if (!j.harness_error.empty()) {
    line(fmt::format("- Harness error: {}", j.harness_error));
  }
  line("");
  if (j.verdict) {
    line(fmt::format("## Verdict: {}", *j.verdict));
    line("");
    for (const auto& reason : j.invalid_reasons) {
      line(fmt::format("- invalid: {}", reason));
    }
    for (const auto& f : j.findings) {
      line(fmt::format("- {}{}{}: {}{}", f.kind, f.slo.empty() ? "" : " on ", f.slo, f.detail,
                       f.fails ? " (fails the gate)" : " (not in fail_on)"));
    }
    if (j.findings.empty() && j.invalid_reasons.empty()) {
      line("- every SLO met its objective and no alert fired");
    }
    line("");
  }

  if (!j.slos.empty()) {
    line("## SLOs");
    line("");
    line("| SLO | SLI | objective | measured | good / total | budget consumed | verdict |");
    line("|---|---|---:|---:|---:|---:|---|");
    for (const auto& slo : j.slos) {
      std::string sli = slo.sli;
      if (slo.threshold_ms) {
        sli += fmt::format(" (≤ {} ms)", *slo.threshold_ms);
      }
      if (slo.ratio) {
        sli += fmt::format(" (metrics of {})", slo.ratio->source);
      }
      line(fmt::format("| {} | {} | {} | {:.5f} | {} / {} | {:.2f}% of {} | {} |", slo.name, sli,
                       slo.objective, slo.measured, slo.good, slo.total,
                       100.0 * slo.budget_consumed,
                       formatDurationSeconds(slo.period_s),
                       slo.verdict));
    }
    line("");
  }

  const auto ratios = detail::summarizeRatios(j);
  if (!ratios.empty()) {
    line("## Ratio SLIs: what the sidecar reported and what clients saw");
    line("");
    for (const auto& ratio : ratios) {
      for (const auto& sentence : detail::describeRatio(ratio)) {
        line("- " + sentence);
      }
      line("");
    }
  }

  if (!j.alerts.empty()) {
    line("## Alerts");
    line("");
    line("| SLO | severity | windows | factor | fired | resolved | detected after |");
    line("|---|---|---|---:|---:|---:|---|");
    for (const auto& a : j.alerts) {
      std::string detect = "-";
      if (a.detect_s) {
        detect = fmt::format("{:.1f}s ({})", *a.detect_s, a.caused_by);
      }
      line(fmt::format("| {} | {} | {}/{} | {} | {:.1f}s | {} | {} |", a.slo, a.severity,
                       formatDurationSeconds(a.long_s), formatDurationSeconds(a.short_s),
                       a.factor, a.fired_at_s,
                       a.resolved_at_s ? fmt::format("{:.1f}s", *a.resolved_at_s) : "firing",
                       detect));
    }
    line("");
  }

  if (!j.faults.empty()) {
    line("## Faults");
    line("");
    line("| fault | what | from | to | took effect | evidence |");
    line("|---|---|---:|---:|---|---|");
    for (const auto& f : j.faults) {
      line(fmt::format("| {} | {} | {:.1f}s | {} | {} | {} |", f.name, f.description,
                       f.started_at_s,
                       f.ended_at_s ? fmt::format("{:.1f}s", *f.ended_at_s) : "end",
                       f.effective ? "yes" : "**no**", f.evidence));
    }
    line("");
  }

  const auto& l = j.load;
  line("## Load");
  line("");
  line(fmt::format("Open loop at {} req/s over {} connections to `{}`; the first {:.1f}s are "
                   "warm-up and excluded; a request has {:.2f}s to complete.",
                   l.rate, l.connections, l.target, l.warmup_s, l.timeout_s));
  line("");
  line("| scheduled | sent | completed | failed | timed out | late (>1 ms) | not sent |");
  line("|---:|---:|---:|---:|---:|---:|---:|");
  line(fmt::format("| {} | {} | {} | {} | {} | {} ({:.2f}%) | {} ({:.2f}%) |", l.scheduled, l.sent,
                   l.completed, l.failed, l.timed_out, l.late, percent(l.late, l.scheduled),
                   l.not_sent, percent(l.not_sent, l.scheduled)));
  line("");
  if (!l.status.empty()) {
    std::string statuses;
    for (const auto& [klass, count] : l.status) {
      statuses += fmt::format("{}{}: {}", statuses.empty() ? "" : ", ", klass, count);
    }
    line(fmt::format("Replies by status: {}.", statuses));
    line("");
  }
  line("| latency (ms) | p50 | p90 | p99 | p99.9 | max |");
  line("|---|---:|---:|---:|---:|---:|");
  line(fmt::format("| from scheduled send (what users see) | {:.3f} | {:.3f} | {:.3f} | {:.3f} | "
                   "{:.3f} |",
                   l.latency_ms.p50, l.latency_ms.p90, l.latency_ms.p99, l.latency_ms.p999,
                   l.latency_ms.max));
  line(fmt::format("| from actual send (service time) | {:.3f} | {:.3f} | {:.3f} | {:.3f} | "
                   "{:.3f} |",
                   l.service_time_ms.p50, l.service_time_ms.p90, l.service_time_ms.p99,
                   l.service_time_ms.p999, l.service_time_ms.max));
  line("");

  line("## Processes");
  line("");
  line("| process | role | starts | restarts | ready at (s) | exits | log |");
  line("|---|---|---:|---:|---|---|---|");
  for (const auto& p : j.processes) {
    std::string ready;
    for (double at : p.ready_at_s) {
      ready += fmt::format("{}{:.2f}", ready.empty() ? "" : ", ", at);
    }
    std::string exits;
    for (const auto& e : p.exits) {
      exits += (exits.empty() ? "" : "; ") + exitText(e);
    }
    line(fmt::format("| {} | {} | {} | {} | {} | {} | `{}` |", p.name, p.role, p.starts,
                     p.restarts, ready.empty() ? "-" : ready, exits.empty() ? "-" : exits,
                     p.log));
  }
  line("");

  const auto resources = detail::summarizeResources(j);
  if (!resources.empty()) {
    line("## Resources");
    line("");
    line(
        "Sampled each second from /proc (the process group: a wrapper and its children count "
        "together).");
    line("");
    line(
        "| process | restarts | CPU mean (cores) | CPU max (cores) | RSS max | RSS at the end | "
        "seconds without a sample |");
    line("|---|---:|---:|---:|---:|---:|---:|");
    for (const auto& r : resources) {
      line(fmt::format("| {} | {} | {} | {} | {} | {} | {} of {} |", r.process, r.restarts,
                       r.cpu_mean ? fmt::format("{:.3f}", *r.cpu_mean) : "-",
                       r.cpu_max ? fmt::format("{:.3f}", *r.cpu_max) : "-",
                       r.rss_max ? detail::formatBytes(*r.rss_max) : "-",
                       r.rss_last ? detail::formatBytes(*r.rss_last) : "-", r.missing_seconds,
                       r.seconds));
    }
    line("");
  }

  if (!j.scrapes.empty()) {
    line("## Metrics scrapes");
    line("");
    line("| process | url | scrapes | failed | first failures |");
    line("|---|---|---:|---:|---|");
    for (const auto& scrape : j.scrapes) {
      std::string failures;
      for (const auto& f : scrape.failures) {
        failures += fmt::format("{}{:.1f}s: {}", failures.empty() ? "" : "; ", f.at_s, f.error);
      }
      if (scrape.failed > scrape.failures.size()) {
        failures += fmt::format("; {} more", scrape.failed - scrape.failures.size());
      }
      line(fmt::format("| {} | `{}` | {} | {} | {} |", scrape.process, scrape.url, scrape.attempted,
                       scrape.failed, failures.empty() ? "-" : failures));
    }
    line("");
  }

  if (!j.links.empty()) {
    line("## Links");
    line("");
    line("| link | listen | to | connections | connect errors | bytes up | bytes down |");
    line("|---|---|---|---:|---:|---:|---:|");
    for (const auto& link : j.links) {
      line(fmt::format("| {} | {} | {} | {} | {} | {} | {} |", link.name, link.listen, link.to,
                       link.connections, link.connect_errors, link.bytes_upstream,
                       link.bytes_downstream));
    }
    line("");
  }

  line("## Timeline");
  line("");
  line("Times are seconds from the run's start (t=0 is when the pod was ready and load began).");
  line("");
  for (const auto& e : j.timeline) {
    line(fmt::format("- `{:8.2f}s` {} {}", e.at_s, e.event, e.detail));
  }
  return out;
}

}  // namespace outrider::reports
