#include "outrider/reports/gate_summary.h"

#include <fmt/format.h>

#include <algorithm>

#include "markdown_table.h"
#include "outrider/common/exit_codes.h"
#include "outrider/common/units.h"
#include "report_tables.h"

namespace outrider::reports {

namespace {

// A percentage with three significant digits and no exponent: "63", "2.31", "0.1", "0.00012".
std::string percentText(double percent) {
  if (percent >= 1000) {
    return fmt::format("{:.0f}", percent);
  }
  if (percent > 0 && percent < 0.0001) {
    return "<0.0001";
  }
  return fmt::format("{:.3g}", percent);
}

std::string findingText(const FindingRecord& f) {
  return fmt::format("{}{}{}: {}{}", f.kind, f.slo.empty() ? "" : " on ", f.slo, f.detail,
                     f.fails ? "" : " (not in fail_on)");
}

// Everything that speaks against the run, the worst first (see summarizeGateRun), and whether
// the first one is why the run does not pass.
std::vector<std::string> issues(const Journal& j, bool& first_blocks) {
  std::vector<std::string> blocking;
  std::vector<std::string> reasons;
  std::vector<std::string> others;
  for (const auto& f : j.findings) {
    (f.fails ? blocking : others).push_back(findingText(f));
  }
  const std::string harness = j.harness_error.empty() ? "" : "harness error: " + j.harness_error;
  if (!harness.empty()) {
    reasons.push_back(harness);
  }
  for (const auto& reason : j.invalid_reasons) {
    if (reason != harness) {  // the run records its harness error among the reasons too
      reasons.push_back((j.verdict == "invalid" ? "invalid: " : "") + reason);
    }
  }
  const bool failed = j.verdict == "fail";
  std::vector<std::string> all = failed ? blocking : reasons;
  for (auto& item : failed ? reasons : blocking) {
    all.push_back(std::move(item));
  }
  for (auto& item : others) {
    all.push_back(std::move(item));
  }
  first_blocks = !all.empty() && j.verdict != "pass";
  return all;
}

std::string budgetText(const Journal& j) {
  const auto worst = std::max_element(
      j.slos.begin(), j.slos.end(),
      [](const SloRecord& a, const SloRecord& b) { return a.budget_consumed < b.budget_consumed; });
  if (worst == j.slos.end()) {
    return "-";
  }
  return fmt::format("{}% of {}% ({}, {})", percentText(100.0 * worst->budget_consumed),
                     percentText(100.0 * (1.0 - worst->objective)), worst->name,
                     formatDurationSeconds(worst->period_s));
}

detail::Table gateTable(const std::vector<GateRun>& runs) {
  using Cell = detail::Cell;
  using Mark = detail::Cell::Mark;
  detail::Table table{
      {{"scenario"}, {"verdict"}, {"worst finding"}, {"budget"}, {"exit", true}, {"run folder"}},
      {}};
  for (const auto& run : runs) {
    const auto row = summarizeGateRun(run);
    table.rows.push_back({Cell{row.scenario, Mark::None},
                          Cell{row.verdict, row.verdict == "pass" ? Mark::Verdict : Mark::Bad},
                          Cell{row.worst_finding, row.finding_blocks ? Mark::Bad : Mark::None},
                          Cell{row.budget, Mark::None},
                          Cell{std::to_string(row.exit_code), Mark::None},
                          Cell{row.run_dir, Mark::Code}});
  }
  return table;
}

// Display width: UTF-8 code points ("≤" is one column, three bytes).
size_t width(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string textTable(const detail::Table& table) {
  std::vector<size_t> widths;
  for (const auto& column : table.columns) {
    widths.push_back(width(column.name));
  }
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], width(row[i].text));
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      const std::string pad(widths[i] - width(cells[i]), ' ');
      const bool last = i + 1 == cells.size();
      out += "  ";
      out += table.columns[i].numeric ? pad + cells[i] : cells[i] + (last ? "" : pad);
    }
    return out + "\n";
  };
  std::vector<std::string> header;
  for (const auto& column : table.columns) {
    header.push_back(column.name);
  }
  std::string out = line(header);
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (const auto& cell : row) {
      std::string text = cell.text;
      std::replace(text.begin(), text.end(), '\n', ' ');
      cells.push_back(std::move(text));
    }
    out += line(cells);
  }
  return out;
}

std::string headline(const std::vector<GateRun>& runs, int exit_code) {
  return fmt::format("{} scenario{}, exit {} ({})", runs.size(), runs.size() == 1 ? "" : "s",
                     exit_code, exit_code::meaning(exit_code));
}

}  // namespace

GateSummaryRow summarizeGateRun(const GateRun& run) {
  GateSummaryRow row;
  row.scenario = run.scenario;
  row.exit_code = run.exit_code;
  row.run_dir = run.run_dir;
  if (!run.journal) {
    row.verdict = "no journal";
    row.worst_finding = fmt::format("the run ended before writing its journal (exit {}: {})",
                                    run.exit_code, exit_code::meaning(run.exit_code));
    row.finding_blocks = true;
    row.budget = "-";
    return row;
  }
  const Journal& j = *run.journal;
  row.verdict = j.verdict.value_or("unjudged");
  const auto all = issues(j, row.finding_blocks);
  if (all.empty()) {
    row.worst_finding = "-";
  } else if (all.size() == 1) {
    row.worst_finding = all.front();
  } else {
    row.worst_finding = fmt::format("{} (+{} more)", all.front(), all.size() - 1);
  }
  row.budget = budgetText(j);
  return row;
}

std::string renderGateSummaryText(const std::vector<GateRun>& runs, int exit_code) {
  return "gate: " + headline(runs, exit_code) + "\n" + textTable(gateTable(runs));
}

std::string renderGateSummaryMarkdown(const std::vector<GateRun>& runs, int exit_code) {
  std::string out = "### outrider gate: " + headline(runs, exit_code) + "\n\n";
  out += detail::markdownTable(gateTable(runs));
  out += fmt::format(
      "\nBudget: the error budget the worst SLO consumed, as a share of one period's budget "
      "(1 - objective). Exit codes: {} {}, {} {}, {} {}, {} {}, {} {}, {} {}; the gate returns "
      "the worst over its scenarios (3 > 2 > 5 > 1 > 4 > 0).\n\n",
      exit_code::Pass, exit_code::meaning(exit_code::Pass), exit_code::Fail,
      exit_code::meaning(exit_code::Fail), exit_code::Usage, exit_code::meaning(exit_code::Usage),
      exit_code::Harness, exit_code::meaning(exit_code::Harness), exit_code::Inconclusive,
      exit_code::meaning(exit_code::Inconclusive), exit_code::Invalid,
      exit_code::meaning(exit_code::Invalid));
  return out;
}

}  // namespace outrider::reports
