#include "observations.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace outrider::reports::detail {

std::vector<RatioSummary> summarizeRatios(const Journal& journal) {
  std::vector<RatioSummary> out;
  for (const auto& slo : journal.slos) {
    if (!slo.ratio) {
      continue;
    }
    RatioSummary summary;
    summary.slo = &slo;
    summary.sidecar_total = slo.total;
    summary.clients_sent = slo.ratio->clients_sent;
    if (summary.clients_sent) {
      if (*summary.clients_sent >= slo.total) {
        summary.unseen = *summary.clients_sent - slo.total;
      } else {
        summary.over = slo.total - *summary.clients_sent;
      }
    }
    const auto& s = journal.series;
    if (!slo.ratio->gaps.empty() && !s.rps.empty()) {
      uint64_t in_gaps = 0;
      for (const auto& gap : slo.ratio->gaps) {
        for (auto k = static_cast<size_t>(std::max(0.0, gap.from_s));
             static_cast<double>(k) < gap.to_s && k < s.rps.size(); ++k) {
          in_gaps += static_cast<uint64_t>(std::llround(s.rps[k])) +
                     (k < s.errors.size() ? s.errors[k] : 0);
        }
      }
      summary.clients_in_gaps = in_gaps;
    }
    out.push_back(summary);
  }
  return out;
}

std::vector<std::string> describeRatio(const RatioSummary& summary) {
  const SloRecord& slo = *summary.slo;
  const RatioRecord& r = *slo.ratio;
  std::vector<std::string> lines;
  lines.push_back(fmt::format("{} counts the metrics of {}: total = {}, {} = {}.", slo.name,
                              r.source, r.total, r.bad.empty() ? "good" : "bad",
                              r.bad.empty() ? r.good : r.bad));
  std::string counted = fmt::format("{}'s counters gave {} events ({} good) over the measured span",
                                    r.source, slo.total, slo.good);
  if (summary.clients_sent) {
    counted += fmt::format(
        "; clients sent {} requests in it ({} completed, {} failed, {} timed "
        "out)",
        *summary.clients_sent, r.clients_completed, r.clients_failed, r.clients_timed_out);
    if (summary.unseen && *summary.unseen > 0) {
      const double share = *summary.clients_sent == 0
                               ? 0.0
                               : 100.0 * static_cast<double>(*summary.unseen) /
                                     static_cast<double>(*summary.clients_sent);
      counted += fmt::format(
          ": {} requests ({:.2f}%) {} never reported (sent while it was "
          "down, or counted by a process that died before its next scrape)",
          *summary.unseen, share, r.source);
    } else if (summary.over) {
      counted += fmt::format(
          ": {} counted {} more than the clients sent (requests of its own, "
          "or from others)",
          r.source, *summary.over);
    } else {
      counted += ": it counted every one";
    }
  }
  lines.push_back(counted + ".");
  if (r.gap_seconds > 0) {
    std::string spans;
    for (const auto& gap : r.gaps) {
      spans += fmt::format("{}{} ({})", spans.empty() ? "" : "; ", gapSpan(gap), gap.reason);
    }
    std::string gaps = fmt::format(
        "{} measured second(s) without events, neither good nor bad: {}. The counters went on "
        "meanwhile, so the next good scrape counts their events, except what a process that "
        "died took with it",
        r.gap_seconds, spans);
    if (summary.clients_in_gaps) {
      gaps += fmt::format("; clients sent {} requests in those seconds", *summary.clients_in_gaps);
    }
    lines.push_back(gaps + ".");
  }
  if (r.reset_seconds > 0) {
    lines.push_back(fmt::format(
        "Counters started again from 0 in {} second(s) ({} restarted): counted from 0, as "
        "Prometheus's increase() does, never as a negative or a doubled increase.",
        r.reset_seconds, r.source));
  }
  for (const auto& warning : r.warnings) {
    lines.push_back("Warning: " + warning + ".");
  }
  return lines;
}

std::string gapSpan(const GapRecord& gap) {
  if (gap.to_s - gap.from_s <= 1.0) {
    return fmt::format("{:g}s", gap.from_s);
  }
  return fmt::format("{:g}-{:g}s", gap.from_s, gap.to_s);
}

std::vector<ResourceSummary> summarizeResources(const Journal& journal) {
  std::vector<std::string> order;
  for (const auto& p : journal.processes) {
    if (journal.series.process.count(p.name) > 0) {
      order.push_back(p.name);
    }
  }
  for (const auto& [name, series] : journal.series.process) {
    if (std::find(order.begin(), order.end(), name) == order.end()) {
      order.push_back(name);
    }
  }
  std::vector<ResourceSummary> out;
  for (const auto& name : order) {
    const ProcessSeries& series = journal.series.process.at(name);
    ResourceSummary summary;
    summary.process = name;
    for (const auto& p : journal.processes) {
      if (p.name == name) {
        summary.restarts = p.restarts;
      }
    }
    summary.seconds = std::max(series.cpu_cores.size(), series.rss_bytes.size());
    double sum = 0;
    size_t counted = 0;
    for (const auto& cpu : series.cpu_cores) {
      if (!cpu || !std::isfinite(*cpu)) {
        ++summary.missing_seconds;
        continue;
      }
      sum += *cpu;
      ++counted;
      summary.cpu_max = std::max(summary.cpu_max.value_or(0.0), *cpu);
    }
    if (counted > 0) {
      summary.cpu_mean = sum / static_cast<double>(counted);
    }
    for (const auto& rss : series.rss_bytes) {
      if (rss) {
        summary.rss_max = std::max(summary.rss_max.value_or(0), *rss);
        summary.rss_last = *rss;
      }
    }
    out.push_back(summary);
  }
  return out;
}

std::vector<std::string> describeCredentials(const Journal& journal) {
  std::vector<std::string> out;
  for (const auto& c : journal.credentials) {
    if (c.sets.empty()) {
      continue;
    }
    const auto& last = c.sets.back();
    if (!c.expired_at_s) {
      out.push_back(fmt::format(
          "{} served {} certificate{} during the run; the last one is valid until {} ({:.1f}s "
          "into the run).",
          c.process, c.sets.size(), c.sets.size() == 1 ? "" : "s", last.not_after_utc,
          last.not_after_s));
      continue;
    }
    const double at = *c.expired_at_s;
    std::string not_after;
    for (const auto& set : c.sets) {
      if (set.not_after_s == at) {
        not_after = set.not_after_utc;
      }
    }
    std::string sentence = fmt::format(
        "The certificate of {} expired at {:.1f}s (NotAfter {}) and no new one "
        "reached it before then",
        c.process, at, not_after);
    // The trigger: of the faults begun before it expired, the one under way then (a
    // control-plane outage first), else the last one that ended before it.
    const FaultRecord* trigger = nullptr;
    bool under_way = false;
    for (const auto& f : journal.faults) {
      if (f.started_at_s > at) {
        continue;
      }
      const bool holds = !f.ended_at_s || *f.ended_at_s >= at;
      const bool better =
          trigger == nullptr || (holds && !under_way) ||
          (holds == under_way &&
           (f.kind == "control-plane-outage" ||
            (trigger->kind != "control-plane-outage" && f.started_at_s >= trigger->started_at_s)));
      if (better) {
        trigger = &f;
        under_way = holds;
      }
    }
    if (trigger != nullptr) {
      sentence +=
          fmt::format(": the trigger was {} ({} on {}, {:.1f}s to {}), {}", trigger->name,
                      trigger->kind, trigger->target, trigger->started_at_s,
                      trigger->ended_at_s ? fmt::format("{:.1f}s", *trigger->ended_at_s)
                                          : std::string("the end"),
                      under_way ? "under way when it expired" : "the last fault before it expired");
    }
    out.push_back(sentence + ".");
  }
  return out;
}

}  // namespace outrider::reports::detail
