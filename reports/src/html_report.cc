#include "outrider/reports/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "chart.h"
#include "markup_escape.h"
#include "observations.h"
#include "outrider/common/units.h"
#include "report_tables.h"
#include "table_markup.h"

namespace outrider::reports {

namespace {

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
max-width:64rem;margin:0 auto;padding:1rem 1.5rem 3rem;color:#1f2328;background:#fff;
line-height:1.45}
h1{font-size:1.6rem;margin:.5rem 0}
h2{font-size:1.25rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #d0d7de;padding:.25rem .55rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em;
background:#f6f8fa;padding:0 .2rem;border-radius:3px}
ul.meta{list-style:none;padding:0;margin:.25rem 0}
.badge{display:inline-block;padding:.15rem .7rem;border-radius:1rem;color:#fff;font-weight:700;
text-transform:uppercase;letter-spacing:.03em;vertical-align:middle;font-size:.95rem}
.badge.pass{background:#1a7f37}
.badge.fail{background:#cf222e}
.badge.inconclusive{background:#9a6700}
.badge.invalid,.badge.none{background:#6e7781}
.no{color:#cf222e;font-weight:600}
.error{color:#cf222e}
figure{margin:1rem 0 1.5rem}
figcaption{font-size:.85rem;color:#57606a}
svg{display:block;width:100%;height:auto;max-width:760px}
svg text{font-family:inherit;font-size:11px;fill:#1f2328}
)";

// Fixed-point coordinates, so the same journal always renders the same bytes.
std::string coord(double v) {
  if (!std::isfinite(v)) {
    v = 0;
  }
  std::string text = fmt::format("{:.1f}", v);
  return text == "-0.0" ? "0.0" : text;
}

// Tick labels: up to 6 significant digits, no trailing zeros.
std::string tickLabel(double v) {
  if (!std::isfinite(v) || std::fabs(v) < 1e-12) {
    return "0";
  }
  return fmt::format("{:g}", v);
}

// The CSS class of the verdict badge: only known verdicts, never text from the journal.
std::string_view verdictClass(const std::optional<std::string>& verdict) {
  if (!verdict) {
    return "none";
  }
  for (std::string_view known : {"pass", "fail", "inconclusive", "invalid", "marginal"}) {
    if (*verdict == known) {
      return known;
    }
  }
  return "none";
}

// ---- charts -------------------------------------------------------------------------------------

constexpr double kWidth = 760;
constexpr double kHeight = 280;
constexpr double kLeft = 64;
constexpr double kRight = kWidth - 64;
constexpr double kTop = 40;
constexpr double kBottom = kHeight - 44;
constexpr std::string_view kFaultFill = "#f4a261";
constexpr std::string_view kAlertColor = "#8250df";

using detail::ChartLine;

struct Axis {
  double max = 1;
  double step = 0.2;
};

// A 1-2-2.5-5 step that cuts [0, span] into about five ticks.
double niceStep(double span) {
  if (!std::isfinite(span) || span <= 0) {
    return 0.2;
  }
  const double raw = span / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  double nice = 10;
  if (norm <= 1) {
    nice = 1;
  } else if (norm <= 2) {
    nice = 2;
  } else if (norm <= 2.5) {
    nice = 2.5;
  } else if (norm <= 5) {
    nice = 5;
  }
  return nice * magnitude;
}

Axis axisFor(double data_max) {
  if (!std::isfinite(data_max) || data_max <= 0) {
    return Axis{};
  }
  Axis axis;
  axis.step = niceStep(data_max);
  axis.max = std::max(axis.step, std::ceil(data_max / axis.step - 1e-9) * axis.step);
  return axis;
}

double maxOf(const std::vector<ChartLine>& lines, bool right_axis) {
  double max = 0;
  for (const auto& line : lines) {
    if (line.right_axis != right_axis) {
      continue;
    }
    for (double v : line.values) {
      if (std::isfinite(v)) {
        max = std::max(max, v);
      }
    }
  }
  return max;
}

class ChartWriter {
 public:
  ChartWriter(const Journal& j, const std::vector<const AlertRecord*>& alerts)
      : journal_(j), alerts_(alerts) {
    interval_s_ =
        std::isfinite(j.series.interval_s) && j.series.interval_s > 0 ? j.series.interval_s : 1.0;
  }

  std::string render(std::string_view title, std::string_view left_unit,
                     std::string_view right_unit, const std::vector<ChartLine>& lines) {
    out_.clear();
    size_t points = 0;
    for (const auto& line : lines) {
      points = std::max(points, line.values.size());
    }
    double x_end = static_cast<double>(points) * interval_s_;
    if (std::isfinite(journal_.duration_s)) {
      x_end = std::max(x_end, journal_.duration_s);
    }
    for (const auto& f : journal_.faults) {
      x_end = std::max(x_end, finiteOr(f.started_at_s, 0));
      if (f.ended_at_s) {
        x_end = std::max(x_end, finiteOr(*f.ended_at_s, 0));
      }
    }
    for (const auto* a : alerts_) {
      x_end = std::max(x_end, finiteOr(a->fired_at_s, 0));
    }
    x_axis_ = axisFor(x_end);
    left_ = axisFor(maxOf(lines, false));
    right_ = axisFor(maxOf(lines, true));
    const bool has_right =
        std::any_of(lines.begin(), lines.end(), [](const ChartLine& l) { return l.right_axis; });

    add(R"(<svg viewBox="0 0 {} {}" role="img" aria-label="{}">)", kWidth, kHeight,
        htmlEscape(title));
    add("\n<title>{}</title>\n", htmlEscape(title));
    add(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="#fff" stroke="none"/>)", kLeft, kTop,
        kRight - kLeft, kBottom - kTop);
    out_ += '\n';
    grid(has_right);
    faults();
    for (const auto& line : lines) {
      path(line);
    }
    alertMarks();
    add(R"(<path d="M{} {}V{}H{}" fill="none" stroke="#57606a"/>)", kLeft, kTop, kBottom, kRight);
    out_ += '\n';
    if (has_right) {
      add(R"(<path d="M{} {}V{}" fill="none" stroke="#57606a"/>)", kRight, kTop, kBottom);
      out_ += '\n';
    }
    axisTitles(left_unit, has_right ? right_unit : std::string_view{});
    legend(lines);
    if (points == 0) {
      add(R"(<text x="{}" y="{}" text-anchor="middle" fill="#57606a">no data recorded</text>)",
          coord((kLeft + kRight) / 2), coord((kTop + kBottom) / 2));
      out_ += '\n';
    }
    out_ += "</svg>";
    return std::move(out_);
  }

 private:
  template <typename... Args>
  void add(fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(out_), format, std::forward<Args>(args)...);
  }

  static double finiteOr(double v, double fallback) { return std::isfinite(v) ? v : fallback; }

  double px(double t) const {
    const double clamped = std::clamp(finiteOr(t, 0), 0.0, x_axis_.max);
    return kLeft + clamped / x_axis_.max * (kRight - kLeft);
  }

  static double py(double v, const Axis& axis) {
    const double clamped = std::clamp(finiteOr(v, 0), 0.0, axis.max);
    return kBottom - clamped / axis.max * (kBottom - kTop);
  }

  void grid(bool has_right) {
    const int y_ticks = static_cast<int>(std::lround(left_.max / left_.step));
    for (int i = 0; i <= y_ticks; ++i) {
      const double v = i * left_.step;
      const std::string y = coord(py(v, left_));
      add(R"(<path d="M{} {}H{}" stroke="#eaeef2"/>)", kLeft, y, kRight);
      add(R"(<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>)",
          kLeft - 6, y, tickLabel(v));
      out_ += '\n';
    }
    if (has_right) {
      const int r_ticks = static_cast<int>(std::lround(right_.max / right_.step));
      for (int i = 0; i <= r_ticks; ++i) {
        const double v = i * right_.step;
        add(R"(<text x="{}" y="{}" text-anchor="start" dominant-baseline="middle">{}</text>)",
            kRight + 6, coord(py(v, right_)), tickLabel(v));
        out_ += '\n';
      }
    }
    const int x_ticks = static_cast<int>(std::lround(x_axis_.max / x_axis_.step));
    for (int i = 0; i <= x_ticks; ++i) {
      const double t = i * x_axis_.step;
      const std::string x = coord(px(t));
      add(R"(<path d="M{} {}v5" stroke="#57606a"/>)", x, kBottom);
      add(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", x, kBottom + 17, tickLabel(t));
      out_ += '\n';
    }
    add(R"(<text x="{}" y="{}" text-anchor="middle">seconds since start</text>)",
        coord((kLeft + kRight) / 2), kHeight - 8);
    out_ += '\n';
  }

  void faults() {
    for (const auto& f : journal_.faults) {
      const double from = px(f.started_at_s);
      const double to = f.ended_at_s ? px(*f.ended_at_s) : px(x_axis_.max);
      const std::string tip = htmlEscape(fmt::format(
          "fault {} ({}) from {:.1f}s{}", f.name, f.kind, f.started_at_s,
          f.ended_at_s ? fmt::format(" to {:.1f}s", *f.ended_at_s) : std::string(" to the end")));
      if (to - from < 0.5) {
        add(R"(<path d="M{} {}V{}" stroke="{}" stroke-width="2"><title>{}</title></path>)",
            coord(from), kTop, kBottom, kFaultFill, tip);
      } else {
        add(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="0.25">)"
            R"(<title>{}</title></rect>)",
            coord(from), kTop, coord(to - from), kBottom - kTop, kFaultFill, tip);
      }
      out_ += '\n';
    }
  }

  void alertMarks() {
    for (const auto* a : alerts_) {
      const std::string x = coord(px(a->fired_at_s));
      const std::string tip = htmlEscape(
          fmt::format("{} alert on {} fired at {:.1f}s", a->severity, a->slo, a->fired_at_s));
      add(R"(<g><title>{}</title><path d="M{} {}V{}" stroke="{}" stroke-dasharray="4 3"/>)", tip, x,
          kTop, kBottom, kAlertColor);
      add(R"(<path d="M{} {}l-5 -8h10z" fill="{}"/></g>)", x, kTop, kAlertColor);
      out_ += '\n';
    }
  }

  void path(const ChartLine& line) {
    const Axis& axis = line.right_axis ? right_ : left_;
    std::string d;
    bool pen_down = false;
    for (size_t i = 0; i < line.values.size(); ++i) {
      const double v = line.values[i];
      if (!std::isfinite(v)) {
        pen_down = false;
        continue;
      }
      const double t = static_cast<double>(i + 1) * interval_s_;  // the end of second i
      d += fmt::format("{}{} {}", pen_down ? "L" : (d.empty() ? "M" : " M"), coord(px(t)),
                       coord(py(v, axis)));
      pen_down = true;
    }
    if (d.empty()) {
      return;
    }
    add(R"(<path d="{}" fill="none" stroke="{}" stroke-width="1.6"{}><title>{}</title></path>)", d,
        line.color, line.dashed ? R"( stroke-dasharray="6 3")" : "", htmlEscape(line.label));
    out_ += '\n';
  }

  void axisTitles(std::string_view left_unit, std::string_view right_unit) {
    const std::string mid = coord((kTop + kBottom) / 2);
    add(R"svg(<text transform="translate(14 {}) rotate(-90)" text-anchor="middle">{}</text>)svg",
        mid, htmlEscape(left_unit));
    out_ += '\n';
    if (!right_unit.empty()) {
      add(R"svg(<text transform="translate({} {}) rotate(90)" text-anchor="middle">{}</text>)svg",
          kWidth - 14, mid, htmlEscape(right_unit));
      out_ += '\n';
    }
  }

  void legend(const std::vector<ChartLine>& lines) {
    double x = kLeft;
    constexpr double y = 16;
    auto label = [&](std::string_view text) {
      add(R"(<text x="{}" y="{}" dominant-baseline="middle">{}</text>)", coord(x + 22), y,
          htmlEscape(text));
      out_ += '\n';
      x += 34 + 6.2 * static_cast<double>(text.size());
    };
    for (const auto& line : lines) {
      add(R"(<path d="M{} {}h16" stroke="{}" stroke-width="2.5"{}/>)", coord(x), y, line.color,
          line.dashed ? R"( stroke-dasharray="6 3")" : "");
      label(line.right_axis ? line.label + " (right axis)" : line.label);
    }
    if (!journal_.faults.empty()) {
      add(R"(<rect x="{}" y="{}" width="16" height="10" fill="{}" fill-opacity="0.25"/>)", coord(x),
          y - 5, kFaultFill);
      label("fault active");
    }
    if (!alerts_.empty()) {
      add(R"(<path d="M{} {}v12" stroke="{}" stroke-dasharray="4 3"/>)", coord(x + 8), y - 6,
          kAlertColor);
      label("alert fired");
    }
  }

  const Journal& journal_;
  const std::vector<const AlertRecord*>& alerts_;
  double interval_s_ = 1;
  Axis x_axis_;
  Axis left_;
  Axis right_;
  std::string out_;
};

// Optional per-second values as a chart line: NaN (the pen lifts) where there is none.
template <class T>
std::vector<double> withGaps(const std::vector<std::optional<T>>& values, double scale = 1.0) {
  std::vector<double> out;
  out.reserve(values.size());
  for (const auto& v : values) {
    out.push_back(v ? static_cast<double>(*v) * scale : std::numeric_limits<double>::quiet_NaN());
  }
  return out;
}

// A window's length in seconds for ordering ("5m" < "1h"); unknown text sorts last.
double windowSeconds(const std::string& window) {
  auto d = parseDuration(window);
  return d ? toSeconds(*d) : std::numeric_limits<double>::max();
}

std::string charts(const Journal& j) {
  std::string out;
  std::vector<const AlertRecord*> all_alerts;
  for (const auto& a : j.alerts) {
    all_alerts.push_back(&a);
  }
  auto figure = [&out](const std::string& svg, std::string_view caption) {
    out +=
        "<figure>\n" + svg + "\n<figcaption>" + std::string(caption) + "</figcaption>\n</figure>\n";
  };
  const auto& s = j.series;
  ChartWriter writer(j, all_alerts);

  std::vector<double> errors(s.errors.begin(), s.errors.end());
  figure(writer.render("Requests and errors per second", "requests/s", "errors/s",
                       {ChartLine{"requests/s", "#0969da", s.rps},
                        ChartLine{"errors/s", "#cf222e", std::move(errors), true}}),
         "Requests per second (left axis) and errors per second (right axis). Shaded: faults "
         "active; dashed purple: alerts fired.");

  figure(
      writer.render("Latency per second (ms)", "latency (ms)", "",
                    {ChartLine{"p50", "#1a7f37", s.p50_ms}, ChartLine{"p99", "#bc4c00", s.p99_ms}}),
      "p50 and p99 latency of each second, in milliseconds, from the scheduled send time.");

  for (const auto& [slo, events] : s.ratio_events) {
    std::vector<double> clients;
    for (size_t k = 0; k < s.rps.size(); ++k) {
      clients.push_back(s.rps[k] + (k < s.errors.size() ? static_cast<double>(s.errors[k]) : 0));
    }
    std::vector<double> bad;
    for (size_t k = 0; k < events.total.size(); ++k) {
      const auto& good = k < events.good.size() ? events.good[k] : std::nullopt;
      bad.push_back(events.total[k] && good ? static_cast<double>(*events.total[k] - *good)
                                            : std::numeric_limits<double>::quiet_NaN());
    }
    figure(
        writer.render("Ratio SLI: " + slo, "events/s", "bad events/s",
                      {ChartLine{"sidecar events/s", "#0969da", withGaps(events.total)},
                       ChartLine{"client requests/s", "#8c959f", std::move(clients), false, true},
                       ChartLine{"sidecar bad events/s", "#cf222e", std::move(bad), true}}),
        fmt::format("Events per second that SLO {} counted from its source's metrics, against "
                    "the requests clients had scheduled; breaks in the blue line are gaps "
                    "(no scrape to count from), where the grey line shows what clients sent "
                    "regardless.",
                    htmlEscape(slo)));
  }

  for (const auto& [name, series] : s.process) {
    constexpr double MiB = 1.0 / (1024.0 * 1024.0);
    std::vector<ChartLine> lines{
        ChartLine{"CPU cores", "#1a7f37", withGaps(series.cpu_cores)},
        ChartLine{"RSS MiB", "#8250df", withGaps(series.rss_bytes, MiB), true}};
    std::string cgroup_text;
    if (!series.cgroup_memory_bytes.empty()) {
      lines.push_back(
          ChartLine{"cgroup MiB", "#bf8700", withGaps(series.cgroup_memory_bytes, MiB), true});
      cgroup_text =
          " The orange line is all its cgroup holds (an allocator's memory and page cache "
          "too), what the kernel's OOM killer judges against memory_limit.";
    }
    figure(writer.render("CPU and memory: " + name, "CPU (cores)",
                         cgroup_text.empty() ? "RSS (MiB)" : "memory (MiB)", std::move(lines)),
           fmt::format("CPU used by process {} (and its process group), in cores, and its "
                       "resident memory in MiB, each second; breaks are seconds it was not "
                       "running.{}",
                       htmlEscape(name), cgroup_text));
  }

  // F5: one line per scraped process, so a flood (a new series per request path) stands out
  // against the flat ones.
  static constexpr std::string_view Palette[] = {"#0969da", "#cf222e", "#1a7f37",
                                                 "#8250df", "#bf8700", "#8c959f"};
  std::vector<ChartLine> series_lines;
  for (const auto& [name, counts] : s.metrics_series) {
    if (std::any_of(counts.begin(), counts.end(), [](const auto& c) { return c.has_value(); })) {
      series_lines.push_back(
          ChartLine{name, Palette[series_lines.size() % std::size(Palette)], withGaps(counts)});
    }
  }
  if (!series_lines.empty()) {
    figure(writer.render("Metrics series per scrape", "series", "", series_lines),
           "How many series each scrape of a process's metrics held (the cardinality a metrics "
           "backend would store, M11); breaks are failed or missing scrapes. A line that climbs "
           "with the load is a telemetry flood (gate max_series, max_series_growth).");
  }

  if (s.burn_rate.empty()) {
    out += "<p>No burn-rate series were recorded.</p>\n";
  }
  for (const auto& [slo, windows] : s.burn_rate) {
    if (windows.empty()) {
      continue;
    }
    std::vector<std::pair<double, std::string>> order;
    for (const auto& [window, values] : windows) {
      order.emplace_back(windowSeconds(window), window);
    }
    std::sort(order.begin(), order.end());
    std::vector<ChartLine> lines;
    const std::string& shortest = order.front().second;
    lines.push_back(ChartLine{shortest + " window", "#0969da", windows.at(shortest)});
    if (order.size() > 1) {
      const std::string& longest = order.back().second;
      lines.push_back(ChartLine{longest + " window", "#8c959f", windows.at(longest), false, true});
    }
    std::vector<const AlertRecord*> slo_alerts;
    for (const auto& a : j.alerts) {
      if (a.slo == slo) {
        slo_alerts.push_back(&a);
      }
    }
    ChartWriter burn_writer(j, slo_alerts);
    figure(burn_writer.render("Burn rate: " + slo, "burn rate", "", lines),
           fmt::format("Burn rate of SLO {} over its shortest and longest alert windows, at the "
                       "end of each second (1 = spending the error budget exactly at the "
                       "sustainable pace).",
                       htmlEscape(slo)));
  }
  return out;
}

}  // namespace

namespace detail {

std::string renderChart(const Journal& frame, const std::vector<const AlertRecord*>& alerts,
                        std::string_view title, std::string_view left_unit,
                        std::string_view right_unit, const std::vector<ChartLine>& lines) {
  ChartWriter writer(frame, alerts);
  return writer.render(title, left_unit, right_unit, lines);
}

std::string_view pageStyle() { return kStyle; }

std::string htmlTable(const Table& table) {
  auto numeric = [](bool n) { return n ? R"( class="n")" : ""; };
  std::string out = "<table>\n<tr>";
  for (const auto& column : table.columns) {
    out += fmt::format("<th{}>{}</th>", numeric(column.numeric), htmlEscape(column.name));
  }
  out += "</tr>\n";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      const auto& cell = row[i];
      const std::string text = htmlEscape(cell.text);
      std::string shown = text;
      switch (cell.mark) {
        case Cell::Mark::Bad:
          shown = R"(<span class="no">)" + text + "</span>";
          break;
        case Cell::Mark::Code:
          shown = "<code>" + text + "</code>";
          break;
        case Cell::Mark::Verdict:
          shown = fmt::format(R"(<span class="badge {}">{}</span>)", verdictClass(cell.text), text);
          break;
        case Cell::Mark::None:
          break;
      }
      const bool right = i < table.columns.size() && table.columns[i].numeric;
      out += fmt::format("<td{}>{}</td>", numeric(right), shown);
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace detail

std::string htmlEscape(std::string_view text) {
  return detail::escapeMarkup(text, detail::MarkupUse::Text);
}

std::string renderHtml(const Journal& j) {
  std::string out;
  auto add = [&out](std::string_view text) {
    out += text;
    out += '\n';
  };
  const auto esc = [](std::string_view text) { return htmlEscape(text); };

  add("<!DOCTYPE html>");
  add(R"(<html lang="en">)");
  add("<head>");
  add(R"(<meta charset="utf-8">)");
  add(R"(<meta name="viewport" content="width=device-width, initial-scale=1">)");
  add(fmt::format("<title>Game day: {}</title>", esc(j.scenario_name)));
  add(fmt::format("<style>{}</style>", kStyle));
  add("</head>");
  add("<body>");

  add("<header>");
  add(fmt::format(R"(<h1>Game day: {} <span class="badge {}">{}</span></h1>)", esc(j.scenario_name),
                  verdictClass(j.verdict), j.verdict ? esc(*j.verdict) : "no verdict"));
  add(R"(<ul class="meta">)");
  add(fmt::format(
      "<li>Scenario: <code>{}</code> (sha256 <code>{}</code>)</li>", esc(j.scenario_file),
      esc(j.scenario_sha256.substr(0, std::min<size_t>(12, j.scenario_sha256.size())))));
  add(fmt::format("<li>Seed: {}</li>", j.seed));
  add(fmt::format("<li>Started: {}, ran {:.1f}s (pod start-up {:.2f}s before that)</li>",
                  esc(j.started_at), j.duration_s, j.startup_s));
  if (!j.harness_error.empty()) {
    add(fmt::format(R"(<li class="error">Harness error: {}</li>)", esc(j.harness_error)));
  }
  add("</ul>");
  add("</header>");

  if (j.verdict) {
    add(fmt::format(R"(<h2>Verdict: <span class="badge {}">{}</span></h2>)",
                    verdictClass(j.verdict), esc(*j.verdict)));
    add("<ul>");
    for (const auto& reason : j.invalid_reasons) {
      add(fmt::format("<li>invalid: {}</li>", esc(reason)));
    }
    for (const auto& f : j.findings) {
      add(fmt::format(
          "<li>{}{}{}: {}{}</li>", esc(f.kind), f.slo.empty() ? "" : " on ", esc(f.slo),
          esc(f.detail),
          f.fails ? R"( <span class="no">(fails the gate)</span>)" : " (not in fail_on)"));
    }
    if (j.findings.empty() && j.invalid_reasons.empty()) {
      add("<li>every SLO met its objective and no alert fired</li>");
    }
    add("</ul>");
  }

  if (!j.slos.empty()) {
    add("<h2>SLOs</h2>");
    out += detail::htmlTable(detail::sloTable(j));
  }

  const auto ratios = detail::summarizeRatios(j);
  if (!ratios.empty()) {
    add("<h2>Ratio SLIs: what the sidecar reported and what clients saw</h2>");
    for (const auto& ratio : ratios) {
      add("<ul>");
      for (const auto& sentence : detail::describeRatio(ratio)) {
        add("<li>" + esc(sentence) + "</li>");
      }
      add("</ul>");
    }
  }

  if (const auto credentials = detail::describeCredentials(j); !credentials.empty()) {
    add("<h2>Certificates</h2>");
    add("<ul>");
    for (const auto& sentence : credentials) {
      add("<li>" + esc(sentence) + "</li>");
    }
    add("</ul>");
  }

  if (!j.alerts.empty()) {
    add("<h2>Alerts</h2>");
    out += detail::htmlTable(detail::alertTable(j));
  }

  if (!j.faults.empty()) {
    add("<h2>Faults</h2>");
    out += detail::htmlTable(detail::faultTable(j));
  }

  add("<h2>Charts</h2>");
  out += charts(j);

  const auto& l = j.load;
  add("<h2>Load</h2>");
  add(
      fmt::format("<p>Open loop at {} req/s over {} connections to <code>{}</code>; the first "
                  "{:.1f}s are warm-up and excluded; a request has {:.2f}s to complete.</p>",
                  l.rate, l.connections, esc(l.target), l.warmup_s, l.timeout_s));
  out += detail::htmlTable(detail::loadCountsTable(l));
  if (!l.status.empty()) {
    std::string statuses;
    for (const auto& [klass, count] : l.status) {
      statuses += fmt::format("{}{}: {}", statuses.empty() ? "" : ", ", esc(klass), count);
    }
    add(fmt::format("<p>Replies by status: {}.</p>", statuses));
  }
  out += detail::htmlTable(detail::latencyTable(l));

  add("<h2>Processes</h2>");
  out += detail::htmlTable(detail::processTable(j));

  const auto resources = detail::summarizeResources(j);
  if (!resources.empty()) {
    add("<h2>Resources</h2>");
    add("<p>Sampled each second from /proc (the process group: a wrapper and its children count "
        "together); charts above.</p>");
    out += detail::htmlTable(detail::resourceTable(resources));
  }

  if (!j.scrapes.empty()) {
    add("<h2>Metrics scrapes</h2>");
    out += detail::htmlTable(detail::scrapeTable(j));
  }

  if (!j.links.empty()) {
    add("<h2>Links</h2>");
    out += detail::htmlTable(detail::linkTable(j));
  }

  if (j.audit) {
    add("<h2>Audit</h2>");
    if (j.audit->empty()) {
      add("<p>Each process's identity, capabilities and no_new_privs, the key files' modes and "
          "owners, and the logs, command lines and environments searched for the run's secrets: "
          "no problem.</p>");
    } else {
      add("<p>Each process's identity, capabilities and no_new_privs, the key files' modes and "
          "owners, and the logs, command lines and environments searched for the run's secrets "
          "(named where found, never shown).</p>");
      out += detail::htmlTable(detail::auditTable(*j.audit));
    }
  }

  add("<h2>Timeline</h2>");
  add("<p>Times are seconds from the run's start (t=0 is when the pod was ready and load "
      "began).</p>");
  add("<table>");
  add(R"(<tr><th class="n">at (s)</th><th>event</th><th>detail</th></tr>)");
  for (const auto& e : j.timeline) {
    add(fmt::format(R"(<tr><td class="n">{:.2f}</td><td>{}</td><td>{}</td></tr>)", e.at_s,
                    esc(e.event), esc(e.detail)));
  }
  add("</table>");
  add("</body>");
  add("</html>");
  return out;
}

}  // namespace outrider::reports
