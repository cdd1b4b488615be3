#pragma once

// The gate (spec/scenario.md, "Verdicts and the gate"): the findings of a run's SLOs and alerts,
// and the verdict they add up to.
//
// Precedence: invalid > fail > inconclusive > pass. A run that cannot be trusted says nothing, not
// even that it failed; a finding the gate fails on is a firm result even when another SLO saw too
// few events to judge; only then does too few events make the run inconclusive.

#include <string>
#include <vector>

#include "outrider/scenarios/scenario.h"
#include "outrider/slo/alert_evaluator.h"
#include "outrider/slo/objective.h"

namespace outrider::slo {

enum class Verdict { Pass, Fail, Inconclusive, Invalid };

// "pass" | "fail" | "inconclusive" | "invalid", as the journal spells them.
std::string toString(Verdict verdict);
// spec/cli.md's exit codes: pass 0, fail 1, inconclusive 4, invalid 5.
int exitCodeFor(Verdict verdict);

// The journal's findings[] entry.
struct Finding {
  scenarios::FindingKind kind = scenarios::FindingKind::Objective;
  std::string slo;
  std::string detail;  // "0.812 < 0.99", "1h/5m burn rate above 14.4 at 82s", "0.0625 > 0.05"
  bool fails = false;  // the gate's fail_on lists its kind
};

struct SloVerdict {
  std::string slo;
  Verdict verdict = Verdict::Pass;  // fail | inconclusive | pass: invalid is the run's alone
};

struct Judgement {
  Verdict verdict = Verdict::Pass;
  // Every finding that occurred, failing or not, by SLO in the reports' order; within one SLO:
  // objective, alerts (one per rule that fired, in firing order), budget.
  std::vector<Finding> findings;
  // Why the run is invalid (the caller's reasons, first) or could not be judged (an SLO with too
  // few events); filled whatever the verdict.
  std::vector<std::string> reasons;
  std::vector<SloVerdict> slos;  // in the reports' order
};

// Judges the run. invalid_reasons: why the run cannot be trusted, as the harness found it ("load
// generator fell behind its schedule: 2.1% of requests late", "fault kill-proxy did not take
// effect"); any makes the verdict invalid. alerts may name SLOs absent from slos: their findings
// still count.
Judgement judge(const std::vector<SloReport>& slos, const std::vector<AlertRecord>& alerts,
                const scenarios::Gate& gate, std::vector<std::string> invalid_reasons = {});

// Adds a finding of the run's processes (a leak), no SLO's: a failing one makes a pass or an
// inconclusive verdict fail (an invalid run stays invalid).
void addRunFinding(Judgement& judgement, Finding finding);

}  // namespace outrider::slo
