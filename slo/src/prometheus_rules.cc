#include "outrider/slo/prometheus_rules.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <utility>

#include "number_text.h"

namespace outrider::slo {
namespace {

using scenarios::AlertRule;
using scenarios::Scenario;
using scenarios::SliKind;
using scenarios::Slo;
using std::chrono::nanoseconds;

constexpr int64_t NanosPerMilli = 1'000'000;

// The shortest decimal text that reads back as exactly `value`: 0.1, 0.25, 2.5.
std::string shortestNumber(double value) {
  char buffer[64];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", digits, value);
    if (std::strtod(buffer, nullptr) == value) {
      break;
    }
  }
  return buffer;
}

// A string inside a PromQL double-quoted literal.
std::string promqlQuote(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A YAML double-quoted scalar.
std::string yamlQuote(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\x%02x", byte);
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Text for a YAML comment: one line, no control characters.
std::string commentText(const std::string& text) {
  std::string out;
  for (const char c : text) {
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  return out;
}

// "checkout-latency" -> "CheckoutLatency".
std::string camelName(const std::string& name) {
  std::string out;
  bool start_word = true;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      start_word = true;
      continue;
    }
    out += start_word ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    start_word = false;
  }
  return out;
}

// Adds a matcher to a selector: `name` -> `name{m}`, `name{a="b"}` -> `name{a="b",m}`.
std::string withMatcher(const std::string& selector, const std::string& matcher) {
  if (!selector.empty() && selector.back() == '}') {
    const auto open = selector.rfind('{');
    const bool empty_braces = open != std::string::npos && open + 2 == selector.size();
    return selector.substr(0, selector.size() - 1) + (empty_braces ? "" : ",") + matcher + "}";
  }
  return selector + "{" + matcher + "}";
}

std::string sumRate(const std::string& selector, const std::string& window) {
  return "sum(rate(" + selector + "[" + window + "]))";
}

double budgetOf(const Slo& slo) { return 1.0 - slo.objective; }

std::string latencyLe(const Slo& slo) {
  const double seconds = std::chrono::duration<double>(slo.threshold.value_or(nanoseconds{0}))
                             .count();
  return shortestNumber(seconds);
}

// The error ratio of one SLO over one window, as one PromQL expression.
std::string errorRatioExpr(const Slo& slo, const RulesOptions& options, const std::string& w) {
  switch (slo.sli) {
    case SliKind::Availability:
      return sumRate(options.availability_bad, w) + " / " +
             sumRate(options.availability_total, w);
    case SliKind::Latency: {
      const std::string bucket =
          withMatcher(options.latency_bucket, "le=" + promqlQuote(latencyLe(slo)));
      const std::string count = sumRate(options.latency_count, w);
      return "(" + count + " - " + sumRate(bucket, w) + ") / " + count;
    }
    case SliKind::Ratio:
      if (!slo.bad.empty()) {
        return sumRate(slo.bad, w) + " / " + sumRate(slo.total, w);
      }
      return "1 - (" + sumRate(slo.good, w) + " / " + sumRate(slo.total, w) + ")";
    case SliKind::Uptime:
      // The share of the window's scrapes that found the source down.
      return "1 - avg_over_time(up{job=" + promqlQuote(slo.source) + "}[" + w + "])";
  }
  return "";
}

// The YAML comment lines that say where an SLO's events come from.
std::vector<std::string> sliComment(const Slo& slo, const RulesOptions& options) {
  switch (slo.sli) {
    case SliKind::Availability:
      return {"Bad events: " + options.availability_bad + " of " + options.availability_total +
              " (outrider measured this SLI with its load generator; these selectors are the"
              " production stand-in)."};
    case SliKind::Latency:
      return {"Bad events: " + options.latency_count + " minus the bucket le=\"" +
                  latencyLe(slo) + "\" of " + options.latency_bucket + ".",
              "The histogram must have a bucket at exactly le=\"" + latencyLe(slo) +
                  "\" (the threshold); without it these ratios have no data.",
              "(outrider measured this SLI with its load generator, where a 5xx reply is bad"
              " too; these selectors are the production stand-in and count slow requests.)"};
    case SliKind::Ratio:
      return {(slo.bad.empty() ? "Good events: " + slo.good : "Bad events: " + slo.bad) + " of " +
              slo.total + (slo.source.empty() ? "" : " (metrics of process " + slo.source + ")") +
              "."};
    case SliKind::Uptime:
      return {"Uptime of process " + slo.source + ": the share of scrapes of up{job=\"" +
              slo.source +
              "\"} that found it down (outrider measured the time it was ready; up is the "
              "production stand-in)."};
  }
  return {};
}

// Every window of the rules, shortest first, each once.
std::vector<nanoseconds> windowsOf(const std::vector<AlertRule>& rules) {
  std::vector<nanoseconds> windows;
  for (const auto& rule : rules) {
    windows.push_back(rule.long_window);
    windows.push_back(rule.short_window);
  }
  std::sort(windows.begin(), windows.end());
  windows.erase(std::unique(windows.begin(), windows.end()), windows.end());
  return windows;
}

std::string durationText(nanoseconds duration) {
  return formatPrometheusDuration(duration).value_or("?");
}

// How long a budget lasts, to the second: "2d2h", "43m12s".
std::string exhaustionText(double seconds) {
  if (seconds < 0.5) {
    return "less than 1s";
  }
  if (seconds > 100.0 * 365 * 86400) {
    return "more than 100 years";
  }
  return durationText(std::chrono::seconds(std::llround(seconds)));
}

// `{outrider_scenario="...", outrider_slo="..."}`.
std::string sloMatchers(const Scenario& scenario, const Slo& slo) {
  return "{outrider_scenario=" + promqlQuote(scenario.name) +
         ", outrider_slo=" + promqlQuote(slo.name) + "}";
}

class Writer {
 public:
  void line(int indent, const std::string& text) {
    out_.append(static_cast<std::size_t>(indent), ' ');
    out_ += text;
    out_ += '\n';
  }
  // `key: |-` and the text's lines indented below it.
  void block(int indent, const std::string& key, const std::vector<std::string>& lines) {
    line(indent, key + ": |-");
    for (const auto& text : lines) {
      line(indent + 2, text);
    }
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

void writeLabels(Writer& out, int indent, const std::vector<std::pair<std::string, std::string>>&
                                              labels) {
  out.line(indent, "labels:");
  for (const auto& [key, value] : labels) {
    out.line(indent + 2, key + ": " + yamlQuote(value));
  }
}

void writeRecordings(Writer& out, const Scenario& scenario, const Slo& slo,
                     const RulesOptions& options) {
  const std::string group = "outrider-" + scenario.name + "-" + slo.name;
  out.line(2, "- name: " + yamlQuote(group + "-sli-recordings"));
  out.line(4, "rules:");
  for (const auto& window : windowsOf(scenario.alerting.rules)) {
    const std::string w = durationText(window);
    out.line(6, "- record: slo:sli_error:ratio_rate" + w);
    out.block(8, "expr", {errorRatioExpr(slo, options, w)});
    writeLabels(out, 8,
                {{"outrider_scenario", scenario.name},
                 {"outrider_slo", slo.name},
                 {"outrider_window", w}});
  }
  const double days = std::chrono::duration<double>(slo.period).count() / 86400.0;
  const std::vector<std::pair<std::string, std::string>> meta = {
      {"slo:objective:ratio", formatNumber(slo.objective)},
      {"slo:error_budget:ratio", formatNumber(budgetOf(slo))},
      {"slo:time_period:days", formatNumber(days)},
  };
  for (const auto& [record, value] : meta) {
    out.line(6, "- record: " + record);
    out.line(8, "expr: " + yamlQuote("vector(" + value + ")"));
    writeLabels(out, 8, {{"outrider_scenario", scenario.name}, {"outrider_slo", slo.name}});
  }
}

void writeAlerts(Writer& out, const Scenario& scenario, const Slo& slo) {
  const std::string group = "outrider-" + scenario.name + "-" + slo.name;
  out.line(2, "- name: " + yamlQuote(group + "-alerts"));
  out.line(4, "rules:");
  const std::string matchers = sloMatchers(scenario, slo);
  const std::string budget = formatNumber(budgetOf(slo));
  for (const auto& rule : scenario.alerting.rules) {
    const std::string long_w = durationText(rule.long_window);
    const std::string short_w = durationText(rule.short_window);
    const std::string factor = formatNumber(rule.factor);
    const double threshold = rule.factor * budgetOf(slo);
    const std::string compare = " > (" + factor + " * " + budget + "))";
    const std::string severity_name = rule.severity == "page" ? "Page"
                                      : rule.severity == "ticket"
                                          ? "Ticket"
                                          : camelName(rule.severity);
    if (threshold >= 1.0) {
      out.line(6, "# Note: the threshold " + formatNumber(threshold) +
                      " is not below 1, so this alert can never fire.");
    }
    out.line(6, "- alert: OutriderSLO" + camelName(slo.name) + severity_name);
    out.block(8, "expr",
              {"(slo:sli_error:ratio_rate" + long_w + matchers + compare,
               "and ignoring(outrider_window)",
               "(slo:sli_error:ratio_rate" + short_w + matchers + compare});
    writeLabels(out, 8,
                {{"severity", rule.severity},
                 {"outrider_scenario", scenario.name},
                 {"outrider_slo", slo.name},
                 {"long_window", long_w},
                 {"short_window", short_w}});
    const double exhaustion_s = std::chrono::duration<double>(slo.period).count() / rule.factor;
    out.line(8, "annotations:");
    out.line(10, "summary: " + yamlQuote("(" + rule.severity + ") SLO " + slo.name +
                                         " of scenario " + scenario.name +
                                         " is burning its error budget too fast"));
    out.line(10, "description: " +
                     yamlQuote("The error ratio is above " + formatNumber(threshold) + " (" +
                               factor + " x the error budget " + budget +
                               ") over both the last " + long_w + " and " + short_w +
                               "; at this rate the " + durationText(slo.period) +
                               " budget is spent in " +
                               exhaustionText(exhaustion_s) +
                               "."));
  }
}

}  // namespace

std::optional<std::string> formatPrometheusDuration(nanoseconds duration) {
  const int64_t nanos = duration.count();
  if (nanos <= 0 || nanos % NanosPerMilli != 0) {
    return std::nullopt;
  }
  int64_t millis = nanos / NanosPerMilli;
  static constexpr std::pair<int64_t, const char*> Units[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1'000, "s"}, {1, "ms"}};
  std::string out;
  for (const auto& [size, unit] : Units) {
    if (millis >= size) {
      out += std::to_string(millis / size) + unit;
      millis %= size;
    }
  }
  return out;
}

std::vector<std::string> prometheusRulesProblems(const Scenario& scenario,
                                                 const RulesOptions& options) {
  std::vector<std::string> problems;
  auto check_selector = [&](const std::string& where, const std::string& selector) {
    if (selector.empty()) {
      problems.push_back(where + ": empty metric selector");
    } else if (selector.find('\n') != std::string::npos) {
      problems.push_back(where + ": metric selector spans lines");
    }
  };
  bool uses_availability = false;
  bool uses_latency = false;
  for (const auto& slo : scenario.slos) {
    const std::string where = "slo " + slo.name;
    if (!std::isfinite(slo.objective) || slo.objective <= 0 || slo.objective >= 1) {
      problems.push_back(where + ": objective must be a number between 0 and 1 (exclusive)");
    }
    if (!formatPrometheusDuration(slo.period)) {
      problems.push_back(where + ": period must be a positive whole number of milliseconds");
    }
    switch (slo.sli) {
      case SliKind::Availability:
        uses_availability = true;
        break;
      case SliKind::Latency:
        uses_latency = true;
        if (!slo.threshold || slo.threshold->count() <= 0) {
          problems.push_back(where + ": a latency SLO needs a positive threshold");
        }
        break;
      case SliKind::Uptime:
        if (slo.source.empty()) {
          problems.push_back(where + ": an uptime SLO needs a source");
        }
        break;
      case SliKind::Ratio:
        check_selector(where + " total", slo.total);
        if (slo.good.empty() && slo.bad.empty()) {
          problems.push_back(where + ": a ratio SLO needs good or bad");
        } else {
          check_selector(where + (slo.bad.empty() ? " good" : " bad"),
                         slo.bad.empty() ? slo.good : slo.bad);
        }
        break;
    }
  }
  if (uses_availability) {
    check_selector("availability bad selector", options.availability_bad);
    check_selector("availability total selector", options.availability_total);
  }
  if (uses_latency) {
    check_selector("latency bucket selector", options.latency_bucket);
    check_selector("latency count selector", options.latency_count);
  }
  for (std::size_t i = 0; i < scenario.alerting.rules.size(); ++i) {
    const auto& rule = scenario.alerting.rules[i];
    const std::string where = "alerting rule " + std::to_string(i + 1);
    if (rule.severity.empty()) {
      problems.push_back(where + ": empty severity");
    }
    if (!std::isfinite(rule.factor) || rule.factor <= 0) {
      problems.push_back(where + ": factor must be a positive finite number");
    }
    if (!formatPrometheusDuration(rule.long_window) ||
        !formatPrometheusDuration(rule.short_window)) {
      problems.push_back(where + ": windows must be positive whole numbers of milliseconds");
    }
  }
  return problems;
}

std::string renderPrometheusRules(const Scenario& scenario, const RulesOptions& options) {
  const auto problems = prometheusRulesProblems(scenario, options);
  if (!problems.empty()) {
    std::string message = "cannot render Prometheus rules:";
    for (const auto& problem : problems) {
      message += "\n  " + problem;
    }
    throw std::invalid_argument(message);
  }
  Writer out;
  out.line(0, "# Prometheus rules for the SLOs of outrider scenario " +
                  commentText(scenario.name) +
                  (scenario.file.empty() ? "" : " (" + commentText(scenario.file) + ")") + ".");
  out.line(0, "# Generated by outrider (`outrider rules`): edit the scenario, not this file.");
  out.line(0, "# Multi-window, multi-burn-rate alerts: each fires when the error ratio over both");
  out.line(0, "# of its windows is above factor x (1 - objective). Check with `promtool check "
              "rules`.");
  if (scenario.slos.empty()) {
    out.line(0, "groups: []");
    return out.take();
  }
  out.line(0, "groups:");
  for (const auto& slo : scenario.slos) {
    out.line(2, "# SLO " + commentText(slo.name) + ": sli " + scenarios::toString(slo.sli) +
                    ", objective " + formatNumber(slo.objective) + " over " +
                    durationText(slo.period) + ".");
    for (const auto& text : sliComment(slo, options)) {
      out.line(2, "# " + commentText(text));
    }
    writeRecordings(out, scenario, slo, options);
    if (!scenario.alerting.rules.empty()) {
      writeAlerts(out, scenario, slo);
    }
  }
  return out.take();
}

}  // namespace outrider::slo
