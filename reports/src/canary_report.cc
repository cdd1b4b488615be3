#include "outrider/reports/canary_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "chart.h"
#include "outrider/common/histogram.h"
#include "outrider/reports/html_report.h"
#include "outrider/reports/junit_report.h"
#include "report_tables.h"
#include "table_markup.h"

namespace outrider::reports {

namespace {

using json = nlohmann::ordered_json;

// JSON has no NaN or infinity: such a value (a p-value of no data) is written as null.
json number(double value) { return std::isfinite(value) ? json(value) : json(); }

std::string valueText(const CanaryMetricRecord& m, double value) {
  if (m.unit == "ms") {
    return fmt::format("{:.3f} ms", value);
  }
  return fmt::format("{:.3f}%", value * 100);
}

std::string changeText(const CanaryMetricRecord& m, double change) {
  if (m.relative) {
    return fmt::format("{:+.1f}%", change * 100);
  }
  if (m.unit == "ms") {
    return fmt::format("{:+.3f} ms", change);
  }
  return fmt::format("{:+.3f} points", change * 100);
}

std::string pText(double p) {
  if (!std::isfinite(p)) {
    return "-";
  }
  return p < 0.0001 ? std::string("<0.0001") : fmt::format("{:.4f}", p);
}

detail::Table metricTable(const CanaryReport& r) {
  detail::Table table;
  table.columns = {{"metric"},          {"baseline", true}, {"candidate", true},  {"change", true},
                   {"tolerance", true}, {"p", true},        {"detectable", true}, {"result"}};
  for (const auto& m : r.metrics) {
    const bool high = m.classification == "high";
    std::string result = m.classification;
    if (m.underpowered && !high) {
      result += " (too little data)";
    }
    table.rows.push_back(
        {{m.name, detail::Cell::Mark::Code},
         {valueText(m, m.baseline)},
         {valueText(m, m.candidate)},
         {changeText(m, m.change), high ? detail::Cell::Mark::Bad : detail::Cell::Mark::None},
         {m.tolerance},
         {pText(m.p_value)},
         {std::isfinite(m.power) ? changeText(m, m.power) : std::string("-"),
          m.underpowered ? detail::Cell::Mark::Bad : detail::Cell::Mark::None},
         {result, high ? detail::Cell::Mark::Bad : detail::Cell::Mark::None}});
  }
  return table;
}

detail::Table runTable(const CanaryReport& r) {
  detail::Table table;
  table.columns = {{"pair", true},  {"role"},          {"variant"}, {"exit", true},
                   {"run verdict"}, {"seconds", true}, {"folder"}};
  for (const auto& run : r.runs) {
    table.rows.push_back({{std::to_string(run.pair)},
                          {run.role},
                          {run.variant},
                          {std::to_string(run.exit_code)},
                          {run.verdict.empty() ? "none" : run.verdict},
                          {fmt::format("{:.1f}", run.wall_s)},
                          {run.folder, detail::Cell::Mark::Code}});
  }
  return table;
}

std::string headline(const CanaryReport& r) {
  return fmt::format("{} against {}: {} (score {:.0f}/100)", r.candidate, r.baseline, r.verdict,
                     r.score);
}

// The per-second median over a variant's runs: one line however many pairs ran. value(j, k) is
// run j's value in second k, or none (a second without replies has no latency).
template <class Value>
std::vector<double> medianBySecond(const std::vector<Journal>& runs, Value value) {
  size_t length = 0;
  for (const auto& j : runs) {
    length = std::max(length, j.series.rps.size());
  }
  std::vector<double> out(length, std::numeric_limits<double>::quiet_NaN());
  std::vector<double> column;
  for (size_t k = 0; k < length; ++k) {
    column.clear();
    for (const auto& j : runs) {
      if (std::optional<double> v = value(j, k)) {
        column.push_back(*v);
      }
    }
    if (!column.empty()) {
      std::sort(column.begin(), column.end());
      const size_t mid = column.size() / 2;
      out[k] = column.size() % 2 == 1 ? column[mid] : (column[mid - 1] + column[mid]) / 2;
    }
  }
  return out;
}

// A latency series' value in second k, when that second had replies.
auto latencyAt(const std::vector<double> Series::*values) {
  return [values](const Journal& j, size_t k) -> std::optional<double> {
    const auto& series = j.series.*values;
    if (k >= series.size() || k >= j.series.rps.size() || j.series.rps[k] <= 0) {
      return std::nullopt;
    }
    return series[k];
  };
}

std::optional<double> errorsAt(const Journal& j, size_t k) {
  if (k >= j.series.errors.size()) {
    return std::nullopt;
  }
  return static_cast<double>(j.series.errors[k]);
}

Histogram mergedLatency(const std::vector<Journal>& runs) {
  Histogram merged;
  for (const auto& j : runs) {
    for (const auto& [value, count] : j.load.latency_histogram_ns) {
      merged.recordCount(value, count);
    }
  }
  return merged;
}

constexpr double kPercentiles[] = {50, 75, 90, 95, 99, 99.5, 99.9, 100};

// The latency at each of kPercentiles for both variants, as a small SVG line chart on a
// categorical axis (equal steps per percentile, so the tail is as readable as the median).
std::string distributionChart(const Histogram& baseline, const Histogram& candidate,
                              const CanaryReport& r) {
  constexpr double width = 760, height = 260, left = 64, right = width - 24, top = 36,
                   bottom = height - 44;
  const size_t n = std::size(kPercentiles);
  double max_ms = 0;
  for (const Histogram* h : {&baseline, &candidate}) {
    max_ms = std::max(max_ms, static_cast<double>(h->valueAtPercentile(100)) / 1e6);
  }
  // Axis top at a 1-2-5 step above the data.
  double top_ms = 1;
  while (top_ms < max_ms) {
    top_ms *= top_ms * 2 >= max_ms ? 2 : (top_ms * 5 >= max_ms ? 5 : 10);
  }
  auto px = [&](size_t i) { return left + (right - left) * static_cast<double>(i) / (n - 1); };
  auto py = [&](double ms) { return bottom - (bottom - top) * std::clamp(ms / top_ms, 0.0, 1.0); };
  std::string out =
      fmt::format(R"(<svg viewBox="0 0 {} {}" role="img" aria-label="Latency distribution">)"
                  "\n<title>Latency distribution</title>\n",
                  width, height);
  for (int t = 0; t <= 4; ++t) {
    const double ms = top_ms * t / 4;
    out += fmt::format(R"(<path d="M{} {:.1f}H{}" stroke="#eaeef2"/>)", left, py(ms), right);
    out += fmt::format(
        R"(<text x="{}" y="{:.1f}" text-anchor="end" dominant-baseline="middle">{:g}</text>)"
        "\n",
        left - 6, py(ms), ms);
  }
  for (size_t i = 0; i < n; ++i) {
    out += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle">p{:g}</text>)"
                       "\n",
                       px(i), bottom + 17, kPercentiles[i]);
  }
  struct Line {
    const Histogram* h;
    std::string_view color;
    std::string label;
  };
  const Line lines[] = {{&baseline, "#0969da", "baseline " + r.baseline},
                        {&candidate, "#bc4c00", "candidate " + r.candidate}};
  double legend_x = left;
  for (const auto& line : lines) {
    if (line.h->count() > 0) {
      std::string d;
      for (size_t i = 0; i < n; ++i) {
        const double ms = static_cast<double>(line.h->valueAtPercentile(kPercentiles[i])) / 1e6;
        d += fmt::format("{}{:.1f} {:.1f}", i == 0 ? "M" : "L", px(i), py(ms));
      }
      out += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="1.8"/>)"
                         "\n",
                         d, line.color);
    }
    out += fmt::format(R"(<path d="M{:.1f} 16h16" stroke="{}" stroke-width="2.5"/>)", legend_x,
                       line.color);
    out += fmt::format(R"(<text x="{:.1f}" y="16" dominant-baseline="middle">{}</text>)"
                       "\n",
                       legend_x + 22, htmlEscape(line.label));
    legend_x += 40 + 6.2 * static_cast<double>(line.label.size());
  }
  out += fmt::format(R"(<path d="M{} {}V{}H{}" fill="none" stroke="#57606a"/>)", left, top, bottom,
                     right);
  out += fmt::format(
      R"svg(<text transform="translate(14 {:.1f}) rotate(-90)" text-anchor="middle">latency (ms)</text>)svg"
      "\n</svg>",
      (top + bottom) / 2);
  return out;
}

detail::Table distributionTable(const Histogram& baseline, const Histogram& candidate) {
  detail::Table table;
  table.columns = {{"percentile"}, {"baseline (ms)", true}, {"candidate (ms)", true}};
  for (double p : kPercentiles) {
    table.rows.push_back(
        {{p == 100 ? std::string("max") : fmt::format("p{:g}", p)},
         {fmt::format("{:.3f}", static_cast<double>(baseline.valueAtPercentile(p)) / 1e6)},
         {fmt::format("{:.3f}", static_cast<double>(candidate.valueAtPercentile(p)) / 1e6)}});
  }
  table.rows.push_back(
      {{"requests"}, {std::to_string(baseline.count())}, {std::to_string(candidate.count())}});
  return table;
}

}  // namespace

nlohmann::ordered_json toJson(const CanaryReport& r) {
  json out;
  out["schema"] = r.schema;
  out["scenario"] = r.scenario;
  out["scenario_file"] = r.scenario_file;
  out["seed"] = r.seed;
  out["baseline"] = r.baseline;
  out["candidate"] = r.candidate;
  out["pairs"] = r.pairs;
  out["started_at"] = r.started_at;
  out["wall_s"] = std::round(r.wall_s * 1000) / 1000;
  json runs = json::array();
  for (const auto& run : r.runs) {
    runs.push_back({{"pair", run.pair},
                    {"role", run.role},
                    {"variant", run.variant},
                    {"folder", run.folder},
                    {"exit_code", run.exit_code},
                    {"verdict", run.verdict},
                    {"wall_s", std::round(run.wall_s * 1000) / 1000}});
  }
  out["runs"] = std::move(runs);
  out["verdict"] = r.verdict;
  out["score"] = number(r.score);
  json metrics = json::array();
  for (const auto& m : r.metrics) {
    metrics.push_back({{"name", m.name},
                       {"unit", m.unit},
                       {"baseline", number(m.baseline)},
                       {"candidate", number(m.candidate)},
                       {"change", number(m.change)},
                       {"relative", m.relative},
                       {"p_value", number(m.p_value)},
                       {"effect_size", number(m.effect_size)},
                       {"tolerance", m.tolerance},
                       {"tolerance_value", number(m.tolerance_value)},
                       {"classification", m.classification},
                       {"power", number(m.power)},
                       {"underpowered", m.underpowered},
                       {"explanation", m.explanation},
                       {"test", m.test}});
  }
  out["metrics"] = std::move(metrics);
  out["reasons"] = r.reasons;
  return out;
}

std::string renderCanaryMarkdown(const CanaryReport& r) {
  std::string out = fmt::format("# Canary: {}\n\n**{}**\n\n", r.scenario, headline(r));
  out += fmt::format("- scenario file: `{}`\n- seed: {} (every run; the same faults in each)\n",
                     r.scenario_file, r.seed);
  out +=
      fmt::format("- pairs: {} of {} run, interleaved (A B B A ...)\n- started: {} ({:.0f} s)\n\n",
                  r.runs.size() / 2, r.pairs, r.started_at, r.wall_s);
  if (!r.reasons.empty()) {
    out += "## Why\n\n";
    for (const auto& reason : r.reasons) {
      out += "- " + reason + "\n";
    }
    out += "\n";
  }
  if (!r.metrics.empty()) {
    out += "## Metrics\n\n" + detail::markdownTable(metricTable(r)) + "\n";
    out +=
        "change: candidate against baseline; detectable: the smallest change these runs would "
        "show with 80% probability.\n\n";
  }
  out += "## Runs\n\n" + detail::markdownTable(runTable(r));
  return out;
}

std::string renderCanaryHtml(const CanaryReport& r, const std::vector<Journal>& baseline,
                             const std::vector<Journal>& candidate) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += fmt::format("<title>Canary {}</title>\n", htmlEscape(r.scenario));
  out += fmt::format("<style>{}.badge.marginal{{background:#9a6700}}</style>\n</head>\n<body>\n",
                     detail::pageStyle());
  out += fmt::format(R"(<h1>Canary: {} <span class="badge {}">{}</span></h1>)"
                     "\n",
                     htmlEscape(r.scenario),
                     r.verdict == "pass" || r.verdict == "fail" || r.verdict == "marginal"
                         ? r.verdict
                         : std::string("invalid"),
                     htmlEscape(r.verdict));
  out += fmt::format("<p>{}</p>\n", htmlEscape(headline(r)));
  out += fmt::format(
      "<ul class=\"meta\"><li>scenario file <code>{}</code></li><li>seed {} in every run</li>"
      "<li>{} of {} pairs, interleaved</li><li>started {} ({:.0f} s)</li></ul>\n",
      htmlEscape(r.scenario_file), r.seed, r.runs.size() / 2, r.pairs, htmlEscape(r.started_at),
      r.wall_s);
  if (!r.reasons.empty()) {
    out += "<h2>Why</h2>\n<ul>\n";
    for (const auto& reason : r.reasons) {
      out += "<li>" + htmlEscape(reason) + "</li>\n";
    }
    out += "</ul>\n";
  }
  if (!r.metrics.empty()) {
    out += "<h2>Metrics</h2>\n" + detail::htmlTable(metricTable(r));
    out +=
        "<p>change: candidate against baseline; detectable: the smallest change these runs "
        "would show with 80% probability.</p>\n";
  }
  if (!baseline.empty() || !candidate.empty()) {
    // Faults are the same in every run (one seed): the first run's windows shade every chart.
    const Journal& frame = !baseline.empty() ? baseline.front() : candidate.front();
    const std::vector<const AlertRecord*> no_alerts;
    auto figure = [&out](const std::string& svg, const std::string& caption) {
      out += "<figure>\n" + svg + "\n<figcaption>" + htmlEscape(caption) +
             "</figcaption>\n</figure>\n";
    };
    const std::string b = "baseline " + r.baseline;
    const std::string c = "candidate " + r.candidate;
    out += "<h2>Series, side by side</h2>\n";
    figure(detail::renderChart(
               frame, no_alerts, "p50 latency per second (ms)", "latency (ms)", "",
               {{b, "#0969da", medianBySecond(baseline, latencyAt(&Series::p50_ms))},
                {c, "#bc4c00", medianBySecond(candidate, latencyAt(&Series::p50_ms))}}),
           "The median over each variant's runs of every second's p50 latency. Shaded: faults.");
    figure(detail::renderChart(
               frame, no_alerts, "p99 latency per second (ms)", "latency (ms)", "",
               {{b, "#0969da", medianBySecond(baseline, latencyAt(&Series::p99_ms))},
                {c, "#bc4c00", medianBySecond(candidate, latencyAt(&Series::p99_ms))}}),
           "The median over each variant's runs of every second's p99 latency.");
    figure(detail::renderChart(frame, no_alerts, "Errors per second", "errors/s", "",
                               {{b, "#0969da", medianBySecond(baseline, errorsAt)},
                                {c, "#bc4c00", medianBySecond(candidate, errorsAt)}}),
           "The median over each variant's runs of the requests that failed each second.");
    const Histogram merged_baseline = mergedLatency(baseline);
    const Histogram merged_candidate = mergedLatency(candidate);
    out += "<h2>Latency distributions</h2>\n";
    figure(distributionChart(merged_baseline, merged_candidate, r),
           "Latency at each percentile of all of a variant's requests (its runs' histograms "
           "merged), from the scheduled send time.");
    out += detail::htmlTable(distributionTable(merged_baseline, merged_candidate));
  }
  out += "<h2>Runs</h2>\n" + detail::htmlTable(runTable(r));
  out += "</body>\n</html>\n";
  return out;
}

std::string renderCanaryJunit(const CanaryReport& r) {
  size_t failures = 0;
  size_t errors = 0;
  std::string cases;
  for (const auto& m : r.metrics) {
    cases +=
        fmt::format(R"(    <testcase classname="canary" name="{}" time="0">)", escapeXml(m.name));
    if (m.classification == "high") {
      ++failures;
      cases += fmt::format("\n      <failure message=\"{}\"/>\n    ", escapeXml(m.explanation));
    } else {
      cases += fmt::format("\n      <system-out>{}</system-out>\n    ", escapeXml(m.explanation));
    }
    cases += "</testcase>\n";
  }
  cases += fmt::format(R"(    <testcase classname="canary" name="canary.verdict" time="{:.3f}">)",
                       r.wall_s);
  std::string why;
  for (const auto& reason : r.reasons) {
    why += (why.empty() ? "" : "; ") + reason;
  }
  if (r.verdict == "invalid") {
    ++errors;
    cases += fmt::format("\n      <error message=\"{}\"/>\n    ", escapeXml(why));
  } else if (r.verdict == "fail") {
    ++failures;
    cases += fmt::format("\n      <failure message=\"{}\"/>\n    ", escapeXml(why));
  } else {
    cases += fmt::format("\n      <system-out>{}</system-out>\n    ",
                         escapeXml(headline(r) + (why.empty() ? "" : ": " + why)));
  }
  cases += "</testcase>\n";
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
      "  <testsuite name=\"outrider.canary.{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "time=\"{:.3f}\">\n{}  </testsuite>\n</testsuites>\n",
      escapeXml(r.scenario), r.metrics.size() + 1, failures, errors, r.wall_s, cases);
}

}  // namespace outrider::reports
