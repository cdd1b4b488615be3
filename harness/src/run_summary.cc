#include "outrider/harness/run_summary.h"

#include <fmt/format.h>

namespace outrider::harness {

void printSummary(std::ostream& out, std::ostream& err, const reports::Journal& journal,
                  const SummaryContext& context) {
  out << fmt::format("\n{}: seed {}, {}\n", journal.scenario_name, journal.seed, context.run_dir);
  if (!journal.harness_error.empty()) {
    err << "outrider: harness error: " << journal.harness_error << "\n";
  }
  if (context.had_load) {
    const auto& l = journal.load;
    out << fmt::format(
        "  load: {} scheduled, {} completed, {} failed, {} timed out, {} late, {} not sent\n",
        l.scheduled, l.completed, l.failed, l.timed_out, l.late, l.not_sent);
    if (l.unexpected > 0) {
      out << fmt::format("  unexpected: {} of {} replies did not match [load] expect\n",
                         l.unexpected, l.completed);
    }
    out << fmt::format("  latency from schedule: p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms\n",
                       l.latency_ms.p50, l.latency_ms.p99, l.latency_ms.max);
    if (context.load_trust.behind_schedule) {
      out << "  invalid: the load generator fell behind its schedule by more than 1% of "
             "requests\n";
    }
    if (context.load_trust.connections_saturated) {
      out << fmt::format(
          "  note: {} requests were never sent because all {} connections were busy: the "
          "target was slower than rate / connections allows (they count as failures)\n",
          l.not_sent, l.connections);
    }
  }
  for (const auto& p : journal.processes) {
    out << fmt::format("  {} {}: {} start(s), {} exit(s)\n", p.role, p.name, p.starts,
                       p.exits.size());
  }
  for (const auto& slo : journal.slos) {
    out << fmt::format("  slo {}: {:.5f} vs objective {} ({}), budget consumed {:.2f}%\n", slo.name,
                       slo.measured, slo.objective, slo.met ? "met" : "MISSED",
                       100.0 * slo.budget_consumed);
  }
  for (const auto& a : journal.alerts) {
    out << fmt::format(
        "  alert {} {} fired at {:.1f}s{}\n", a.slo, a.severity, a.fired_at_s,
        a.detect_s ? fmt::format(", {:.1f}s after {} began", *a.detect_s, a.caused_by) : "");
  }
  if (journal.verdict) {
    out << fmt::format("  verdict: {}\n", *journal.verdict);
    for (const auto& reason : journal.invalid_reasons) {
      out << "    - " << reason << "\n";
    }
    for (const auto& f : journal.findings) {
      // A run finding (leak) names no SLO: "- leak: proxy: memory grew ...".
      out << fmt::format("    - {}{}{}: {}{}\n", f.kind, f.slo.empty() ? "" : " ", f.slo, f.detail,
                         f.fails ? "" : " (not in fail_on)");
    }
  }
  out << fmt::format("  journal: {}/journal.json\n", context.run_dir);
  out.flush();
}

}  // namespace outrider::harness
