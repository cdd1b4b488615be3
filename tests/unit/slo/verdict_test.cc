#include "outrider/slo/verdict.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace outrider::slo {
namespace {

using scenarios::FindingKind;

class VerdictTest : public testing::Test {
 protected:
  static SloReport report(std::string name, uint64_t good, uint64_t total, double objective,
                          double budget_consumed = 0) {
    SloReport r;
    r.name = std::move(name);
    r.objective = objective;
    r.good = good;
    r.total = total;
    r.measured = total ? static_cast<double>(good) / static_cast<double>(total) : 1;
    r.met = r.measured >= objective;
    r.budget_consumed = budget_consumed;
    return r;
  }

  static AlertRecord alert(std::string slo, std::string severity, double fired_at_s) {
    return AlertRecord{std::move(slo), std::move(severity), 86400, 7200, 3, fired_at_s, {}};
  }
};

// Exit codes follow spec/cli.md.
TEST_F(VerdictTest, ExitCodesAndNames) {
  EXPECT_EQ(exitCodeFor(Verdict::Pass), 0);
  EXPECT_EQ(exitCodeFor(Verdict::Fail), 1);
  EXPECT_EQ(exitCodeFor(Verdict::Inconclusive), 4);
  EXPECT_EQ(exitCodeFor(Verdict::Invalid), 5);
  EXPECT_EQ(toString(Verdict::Inconclusive), "inconclusive");
  EXPECT_EQ(toString(Verdict::Invalid), "invalid");
}

// An SLO with fewer than min_events events makes an otherwise clean run inconclusive.
TEST_F(VerdictTest, InconclusiveBelowMinEvents) {
  scenarios::Gate gate;
  const Judgement judgement =
      judge({report("a", 2000, 2000, 0.99), report("b", 99, 99, 0.99)}, {}, gate);
  EXPECT_EQ(judgement.verdict, Verdict::Inconclusive);
  EXPECT_EQ(exitCodeFor(judgement.verdict), 4);
  ASSERT_EQ(judgement.reasons.size(), 1u);
  EXPECT_EQ(judgement.reasons[0], "b: 99 events, fewer than min_events 100");
  EXPECT_EQ(judgement.slos[0].verdict, Verdict::Pass);
  EXPECT_EQ(judgement.slos[1].verdict, Verdict::Inconclusive);
  // Exactly min_events is enough.
  EXPECT_EQ(judge({report("b", 100, 100, 0.99)}, {}, gate).verdict, Verdict::Pass);
}

// A budget finding fails the run only when fail_on lists it.
TEST_F(VerdictTest, BudgetFinding) {
  scenarios::Gate gate;
  gate.max_budget_consumed = 0.02;
  const std::vector<SloReport> slos = {report("a", 44940, 45000, 0.998, 0.0231)};
  const Judgement informative = judge(slos, {}, gate);
  ASSERT_EQ(informative.findings.size(), 1u);
  EXPECT_EQ(informative.findings[0].kind, FindingKind::Budget);
  EXPECT_EQ(informative.findings[0].detail, "0.0231 > 0.02");
  EXPECT_FALSE(informative.findings[0].fails);
  EXPECT_EQ(informative.verdict, Verdict::Pass);

  gate.fail_on.push_back(FindingKind::Budget);
  const Judgement failing = judge(slos, {}, gate);
  EXPECT_TRUE(failing.findings[0].fails);
  EXPECT_EQ(failing.verdict, Verdict::Fail);
  EXPECT_EQ(failing.slos[0].verdict, Verdict::Fail);
}

// One finding per rule that fired, with its first firing and how often it fired; a ticket only
// fails when fail_on lists it.
TEST_F(VerdictTest, AlertFindings) {
  scenarios::Gate gate;
  const std::vector<AlertRecord> alerts = {alert("a", "ticket", 120), alert("a", "ticket", 300.5)};
  const Judgement judgement = judge({report("a", 1000, 1000, 0.99)}, alerts, gate);
  ASSERT_EQ(judgement.findings.size(), 1u);
  EXPECT_EQ(judgement.findings[0].kind, FindingKind::Ticket);
  EXPECT_EQ(judgement.findings[0].detail, "1d/2h burn rate above 3 at 120s (fired 2 times)");
  EXPECT_FALSE(judgement.findings[0].fails);
  EXPECT_EQ(judgement.verdict, Verdict::Pass);

  gate.fail_on = {FindingKind::Ticket};
  EXPECT_EQ(judge({report("a", 1000, 1000, 0.99)}, alerts, gate).verdict, Verdict::Fail);
}

// invalid > fail > inconclusive > pass.
TEST_F(VerdictTest, Precedence) {
  scenarios::Gate gate;
  const std::vector<SloReport> failing_and_thin = {report("a", 900, 1000, 0.99),
                                                   report("b", 10, 10, 0.99)};
  EXPECT_EQ(judge(failing_and_thin, {}, gate).verdict, Verdict::Fail);
  const Judgement invalid =
      judge(failing_and_thin, {}, gate, {"load generator fell behind its schedule"});
  EXPECT_EQ(invalid.verdict, Verdict::Invalid);
  EXPECT_EQ(exitCodeFor(invalid.verdict), 5);
  ASSERT_EQ(invalid.reasons.size(), 2u);
  EXPECT_EQ(invalid.reasons[0], "load generator fell behind its schedule");
  // The findings are still reported for the postmortem.
  ASSERT_EQ(invalid.findings.size(), 1u);
  EXPECT_EQ(invalid.findings[0].detail, "0.9 < 0.99");
}

// The objective's detail shows enough digits never to read as met.
TEST_F(VerdictTest, ObjectiveDetailPrecision) {
  const Judgement judgement = judge({report("a", 98999, 100000, 0.99)}, {}, scenarios::Gate{});
  ASSERT_EQ(judgement.findings.size(), 1u);
  EXPECT_EQ(judgement.findings[0].detail, "0.98999 < 0.99");
}

}  // namespace
}  // namespace outrider::slo
