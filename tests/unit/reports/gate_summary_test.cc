#include "outrider/reports/gate_summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "golden.h"
#include "sample_journal.h"

namespace outrider::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

GateRun failedRun() {
  return GateRun{"quickstart", 1, "runs/gate-x/quickstart", test::sampleJournal()};
}

GateRun passedRun() {
  Journal j = test::sampleJournal();
  j.scenario_name = "kill";
  j.verdict = "pass";
  j.findings.clear();
  j.slos[0].met = true;
  j.slos[0].verdict = "pass";
  j.slos[0].budget_consumed = 0.63;
  return GateRun{"kill", 0, "runs/gate-x/kill", std::move(j)};
}

GateRun crashedRun() { return GateRun{"pause", 3, "runs/gate-x/pause", std::nullopt}; }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

// A failed run shows the first finding in fail_on, and how many more there are.
TEST(GateSummaryTest, FailedRunShowsItsFirstBlockingFinding) {
  const auto row = summarizeGateRun(failedRun());
  EXPECT_EQ(row.verdict, "fail");
  EXPECT_EQ(row.worst_finding, "objective on availability: 0.998 < 0.999 (+1 more)");
  EXPECT_TRUE(row.finding_blocks);
  EXPECT_EQ(row.exit_code, 1);
}

// The budget is the SLO that consumed most of its error budget, against that budget's size.
TEST(GateSummaryTest, BudgetIsTheWorstSlosShareOfItsBudget) {
  EXPECT_EQ(summarizeGateRun(failedRun()).budget, "2.31% of 0.1% (availability, 30d)");
  EXPECT_EQ(summarizeGateRun(passedRun()).budget, "63% of 0.1% (availability, 30d)");
  GateRun none = passedRun();
  none.journal->slos.clear();
  EXPECT_EQ(summarizeGateRun(none).budget, "-");
}

// A scenario whose run left no journal keeps its row, saying so with the exit code's meaning.
TEST(GateSummaryTest, RunWithoutJournalKeepsItsRow) {
  const auto row = summarizeGateRun(crashedRun());
  EXPECT_EQ(row.verdict, "no journal");
  EXPECT_EQ(row.worst_finding,
            "the run ended before writing its journal (exit 3: harness or host error)");
  EXPECT_EQ(row.budget, "-");
  const auto text = renderGateSummaryText({failedRun(), crashedRun()}, 3);
  EXPECT_THAT(text, HasSubstr("pause"));
  EXPECT_THAT(text, HasSubstr("runs/gate-x/pause"));
  EXPECT_THAT(renderGateSummaryMarkdown({crashedRun()}, 3),
              HasSubstr("| pause | **no journal** |"));
}

// An invalid run shows why it cannot be trusted before any finding.
TEST(GateSummaryTest, InvalidRunShowsItsReasonFirst) {
  GateRun run = failedRun();
  run.exit_code = 5;
  run.journal->verdict = "invalid";
  run.journal->invalid_reasons = {"fault http-abort-upstream did not take effect"};
  const auto row = summarizeGateRun(run);
  EXPECT_EQ(row.worst_finding, "invalid: fault http-abort-upstream did not take effect (+2 more)");
}

// A harness error is named once, though the run also lists it among its invalid reasons.
TEST(GateSummaryTest, HarnessErrorIsNamedOnce) {
  GateRun run = failedRun();
  run.exit_code = 3;
  run.journal->verdict = "invalid";
  run.journal->findings.clear();
  run.journal->harness_error = "proxy never became ready";
  run.journal->invalid_reasons = {"harness error: proxy never became ready"};
  EXPECT_EQ(summarizeGateRun(run).worst_finding, "harness error: proxy never became ready");
}

// A pass shows a finding outside fail_on as such, not as the reason for anything.
TEST(GateSummaryTest, PassShowsFindingsOutsideFailOn) {
  GateRun run = passedRun();
  EXPECT_EQ(summarizeGateRun(run).worst_finding, "-");
  run.journal->findings.push_back(FindingRecord{"ticket", "latency", "6h/30m burn rate", false});
  const auto row = summarizeGateRun(run);
  EXPECT_EQ(row.worst_finding, "ticket on latency: 6h/30m burn rate (not in fail_on)");
  EXPECT_FALSE(row.finding_blocks);
  EXPECT_THAT(renderGateSummaryMarkdown({run}, 0), Not(HasSubstr("**ticket")));
}

// An inconclusive run shows the SLO that saw too few events.
TEST(GateSummaryTest, InconclusiveRunShowsTooFewEvents) {
  GateRun run = passedRun();
  run.exit_code = 4;
  run.journal->verdict = "inconclusive";
  run.journal->invalid_reasons = {"latency: 12 events, fewer than min_events 100"};
  EXPECT_EQ(summarizeGateRun(run).worst_finding, "latency: 12 events, fewer than min_events 100");
}

// The text table lines its columns up, in display columns (UTF-8 counts once per character).
TEST(GateSummaryTest, TextColumnsLineUp) {
  GateRun wide = passedRun();
  wide.scenario = "latency-≤-100ms";
  const auto all = lines(renderGateSummaryText({failedRun(), wide, crashedRun()}, 3));
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0], "gate: 3 scenarios, exit 3 (harness or host error)");
  auto column = [](const std::string& line, const std::string& needle) {
    const auto at = line.find(needle);
    size_t width = 0;
    for (size_t i = 0; i < at; ++i) {
      width += (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80 ? 1 : 0;
    }
    return width;
  };
  const size_t folder = column(all[1], "run folder");
  EXPECT_EQ(column(all[2], "runs/gate-x/quickstart"), folder);
  EXPECT_EQ(column(all[3], "runs/gate-x/kill"), folder);
  EXPECT_EQ(column(all[4], "runs/gate-x/pause"), folder);
}

// A '|' in a finding cannot split the Markdown row.
TEST(GateSummaryTest, MarkdownEscapesPipes) {
  GateRun run = failedRun();
  run.journal->findings[0].detail = "a | b";
  EXPECT_THAT(renderGateSummaryMarkdown({run}, 1), HasSubstr("a \\| b"));
}

// The Markdown for a CI job summary: heading, table, and what the exit codes mean.
TEST(GateSummaryTest, MarkdownMatchesGolden) {
  test::expectMatchesGolden(renderGateSummaryMarkdown({failedRun(), passedRun(), crashedRun()}, 3),
                            "tests/golden/reports/gate-summary.md");
}

}  // namespace
}  // namespace outrider::reports
