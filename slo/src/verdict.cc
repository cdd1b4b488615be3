#include "outrider/slo/verdict.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <utility>

#include "number_text.h"
#include "outrider/common/exit_codes.h"
#include "outrider/common/units.h"

namespace outrider::slo {
namespace {

using scenarios::FindingKind;

bool failsOn(const scenarios::Gate& gate, FindingKind kind) {
  return std::find(gate.fail_on.begin(), gate.fail_on.end(), kind) != gate.fail_on.end();
}

// One finding per rule that fired (not per firing): a flapping alert is one problem.
std::vector<Finding> alertFindings(const std::string& slo, const std::vector<AlertRecord>& alerts,
                                   const scenarios::Gate& gate) {
  struct Group {
    const AlertRecord* first;
    size_t firings;
  };
  std::vector<Group> groups;
  for (const auto& alert : alerts) {
    if (alert.slo != slo) {
      continue;
    }
    auto same_rule = [&alert](const Group& group) {
      return group.first->severity == alert.severity && group.first->long_s == alert.long_s &&
             group.first->short_s == alert.short_s && group.first->factor == alert.factor;
    };
    auto it = std::find_if(groups.begin(), groups.end(), same_rule);
    if (it == groups.end()) {
      groups.push_back(Group{&alert, 1});
    } else {
      ++it->firings;
    }
  }
  std::vector<Finding> findings;
  for (const auto& group : groups) {
    const AlertRecord& alert = *group.first;
    const FindingKind kind = alert.severity == "ticket" ? FindingKind::Ticket : FindingKind::Page;
    std::string detail = formatDurationSeconds(alert.long_s) + "/" +
                         formatDurationSeconds(alert.short_s) +
                         " burn rate above " + formatNumber(alert.factor) + " at " +
                         formatSeconds(alert.fired_at_s);
    if (group.firings > 1) {
      detail += " (fired " + std::to_string(group.firings) + " times)";
    }
    findings.push_back(Finding{kind, slo, std::move(detail), failsOn(gate, kind)});
  }
  return findings;
}

}  // namespace

std::string toString(Verdict verdict) {
  switch (verdict) {
    case Verdict::Pass:
      return "pass";
    case Verdict::Fail:
      return "fail";
    case Verdict::Inconclusive:
      return "inconclusive";
    case Verdict::Invalid:
      return "invalid";
  }
  return "invalid";
}

int exitCodeFor(Verdict verdict) {
  switch (verdict) {
    case Verdict::Pass:
      return exit_code::Pass;
    case Verdict::Fail:
      return exit_code::Fail;
    case Verdict::Inconclusive:
      return exit_code::Inconclusive;
    case Verdict::Invalid:
      return exit_code::Invalid;
  }
  return exit_code::Invalid;
}

Judgement judge(const std::vector<SloReport>& slos, const std::vector<AlertRecord>& alerts,
                const scenarios::Gate& gate, std::vector<std::string> invalid_reasons) {
  Judgement judgement;
  judgement.reasons = std::move(invalid_reasons);
  const bool invalid = !judgement.reasons.empty();
  bool failed = false;
  bool inconclusive = false;

  std::vector<std::string> names;
  for (const auto& slo : slos) {
    names.push_back(slo.name);
  }
  // Alerts of SLOs without a report still count, after the reported ones.
  for (const auto& alert : alerts) {
    if (std::find(names.begin(), names.end(), alert.slo) == names.end()) {
      names.push_back(alert.slo);
    }
  }

  for (const auto& name : names) {
    const auto report = std::find_if(slos.begin(), slos.end(),
                                     [&name](const SloReport& slo) { return slo.name == name; });
    const bool reported = report != slos.end();
    std::vector<Finding> findings;
    if (reported && !report->met) {
      findings.push_back(Finding{FindingKind::Objective, name,
                                 formatAgainst(report->measured, report->objective, true) + " < " +
                                     formatNumber(report->objective),
                                 failsOn(gate, FindingKind::Objective)});
    }
    for (auto& finding : alertFindings(name, alerts, gate)) {
      findings.push_back(std::move(finding));
    }
    if (reported && gate.max_budget_consumed &&
        report->budget_consumed > *gate.max_budget_consumed) {
      findings.push_back(
          Finding{FindingKind::Budget, name,
                  formatAgainst(report->budget_consumed, *gate.max_budget_consumed, false) + " > " +
                      formatNumber(*gate.max_budget_consumed),
                  failsOn(gate, FindingKind::Budget)});
    }

    const bool slo_failed =
        std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.fails; });
    const bool too_few = reported && report->total < gate.min_events;
    if (too_few) {
      judgement.reasons.push_back(name + ": " + std::to_string(report->total) +
                                  " events, fewer than min_events " +
                                  std::to_string(gate.min_events));
    }
    if (reported) {
      judgement.slos.push_back(SloVerdict{
          name, slo_failed ? Verdict::Fail : (too_few ? Verdict::Inconclusive : Verdict::Pass)});
    }
    failed = failed || slo_failed;
    inconclusive = inconclusive || too_few;
    for (auto& finding : findings) {
      judgement.findings.push_back(std::move(finding));
    }
  }

  if (invalid) {
    judgement.verdict = Verdict::Invalid;
  } else if (failed) {
    judgement.verdict = Verdict::Fail;
  } else if (inconclusive) {
    judgement.verdict = Verdict::Inconclusive;
  } else {
    judgement.verdict = Verdict::Pass;
  }
  return judgement;
}

void addRunFinding(Judgement& judgement, Finding finding) {
  if (finding.fails && judgement.verdict != Verdict::Invalid) {
    judgement.verdict = Verdict::Fail;
  }
  judgement.findings.push_back(std::move(finding));
}

}  // namespace outrider::slo
