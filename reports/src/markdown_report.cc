#include "outrider/reports/markdown_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "markdown_table.h"
#include "observations.h"
#include "outrider/common/units.h"
#include "report_tables.h"

namespace outrider::reports {

std::string renderMarkdown(const Journal& j) {
  std::string out;
  auto line = [&out](const std::string& text) {
    out += text;
    out += '\n';
  };
  auto table = [&out](const detail::Table& t) { out += detail::markdownTable(t); };
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
    table(detail::sloTable(j));
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

  if (const auto credentials = detail::describeCredentials(j); !credentials.empty()) {
    line("## Certificates");
    line("");
    for (const auto& sentence : credentials) {
      line("- " + sentence);
    }
    line("");
  }

  if (!j.alerts.empty()) {
    line("## Alerts");
    line("");
    table(detail::alertTable(j));
    line("");
  }

  if (!j.faults.empty()) {
    line("## Faults");
    line("");
    table(detail::faultTable(j));
    line("");
  }

  const auto& l = j.load;
  line("## Load");
  line("");
  line(
      fmt::format("Open loop at {} req/s over {} connections to `{}`; the first {:.1f}s are "
                  "warm-up and excluded; a request has {:.2f}s to complete.",
                  l.rate, l.connections, l.target, l.warmup_s, l.timeout_s));
  line("");
  table(detail::loadCountsTable(l));
  line("");
  if (!l.status.empty()) {
    std::string statuses;
    for (const auto& [klass, count] : l.status) {
      statuses += fmt::format("{}{}: {}", statuses.empty() ? "" : ", ", klass, count);
    }
    line(fmt::format("Replies by status: {}.", statuses));
    line("");
  }
  table(detail::latencyTable(l));
  line("");

  line("## Processes");
  line("");
  table(detail::processTable(j));
  line("");

  const auto resources = detail::summarizeResources(j);
  if (!resources.empty()) {
    line("## Resources");
    line("");
    line(
        "Sampled each second from /proc (the process group: a wrapper and its children count "
        "together).");
    line("");
    table(detail::resourceTable(resources));
    line("");
  }

  if (!j.scrapes.empty()) {
    line("## Metrics scrapes");
    line("");
    table(detail::scrapeTable(j));
    line("");
  }

  if (!j.links.empty()) {
    line("## Links");
    line("");
    table(detail::linkTable(j));
    line("");
  }

  if (j.audit) {
    line("## Audit");
    line("");
    line(j.audit->empty()
             ? "Each process's identity, capabilities and no_new_privs, the key files' modes and "
               "owners, and the logs, command lines and environments searched for the run's "
               "secrets: no problem."
             : "Each process's identity, capabilities and no_new_privs, the key files' modes and "
               "owners, and the logs, command lines and environments searched for the run's "
               "secrets (named where found, never shown).");
    line("");
    if (!j.audit->empty()) {
      table(detail::auditTable(*j.audit));
      line("");
    }
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
