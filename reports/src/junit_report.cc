#include "outrider/reports/junit_report.h"

#include <chrono>
#include <cstdint>
#include <map>

#include <fmt/format.h>

#include "markup_escape.h"
#include "outrider/common/units.h"

namespace outrider::reports {

using detail::escapeMarkup;
using detail::MarkupUse;

namespace {

enum class Outcome { kPassed, kFailure, kError, kSkipped };

struct TestCase {
  std::string classname;
  std::string name;
  double time_s = 0;
  Outcome outcome = Outcome::kPassed;
  std::string type;     // failure/error type attribute
  std::string message;  // one line, for the message attribute
  std::string body;     // the longer text inside <failure>/<error>
  std::string system_out;
};

struct Suite {
  std::string name;
  std::string timestamp;
  double time_s = 0;
  std::vector<std::pair<std::string, std::string>> properties;
  std::vector<TestCase> cases;
};

struct Counts {
  size_t tests = 0;
  size_t failures = 0;
  size_t errors = 0;
  size_t skipped = 0;
  double time_s = 0;
};

const char* outcomeTag(Outcome outcome) {
  switch (outcome) {
    case Outcome::kFailure:
      return "failure";
    case Outcome::kError:
      return "error";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kPassed:
      break;
  }
  return "";
}

std::string sloFacts(const SloRecord& slo) {
  std::string sli = slo.sli;
  if (slo.threshold_ms) {
    sli += fmt::format(" <= {} ms", *slo.threshold_ms);
  }
  return fmt::format("measured {:.5f} {} objective {} ({} good of {}, SLI {}); {:.2f}% of the {} "
                     "error budget consumed",
                     slo.measured, slo.met ? ">=" : "<", slo.objective, slo.good, slo.total, sli,
                     100.0 * slo.budget_consumed, formatDurationSeconds(slo.period_s));
}

TestCase sloCase(const SloRecord& slo) {
  TestCase tc{"slo", slo.name};
  const std::string facts = sloFacts(slo);
  if (slo.verdict == "inconclusive") {
    tc.outcome = Outcome::kSkipped;
    tc.message = "inconclusive: " + facts;
  } else if (!slo.met) {
    tc.outcome = Outcome::kFailure;
    tc.type = "objective";
    tc.message = fmt::format("objective missed: {}", facts);
    tc.body = fmt::format("SLO {} missed its objective {}.\nmeasured: {:.5f} ({} good of {})\n"
                          "budget consumed: {:.2f}% of the {} error budget\n",
                          slo.name, slo.objective, slo.measured, slo.good, slo.total,
                          100.0 * slo.budget_consumed, formatDurationSeconds(slo.period_s));
  } else {
    tc.system_out = facts;
  }
  return tc;
}

std::vector<TestCase> gateCases(const std::vector<FindingRecord>& findings) {
  std::vector<TestCase> cases;
  std::map<std::string, int> seen;
  for (const auto& f : findings) {
    std::string name = f.slo.empty() ? f.kind : fmt::format("{} {}", f.kind, f.slo);
    const int n = ++seen[name];
    if (n > 1) {
      name += fmt::format(" #{}", n);
    }
    TestCase tc{"gate", name};
    const std::string what =
        fmt::format("{}{}{}: {}", f.kind, f.slo.empty() ? "" : " on ", f.slo, f.detail);
    if (f.fails) {
      tc.outcome = Outcome::kFailure;
      tc.type = f.kind;
      tc.message = what;
      tc.body = what + " (listed in the gate's fail_on)\n";
    } else {
      tc.system_out = what + " (not in the gate's fail_on)";
    }
    cases.push_back(std::move(tc));
  }
  return cases;
}

TestCase validityCase(const Journal& j) {
  TestCase tc{"run", "run.validity", j.duration_s};
  const bool invalid = j.verdict && *j.verdict == "invalid";
  if (invalid || !j.harness_error.empty()) {
    tc.outcome = Outcome::kError;
    tc.type = !j.harness_error.empty() ? "harness" : "invalid";
    std::string reasons;
    for (const auto& reason : j.invalid_reasons) {
      reasons += fmt::format("{}{}", reasons.empty() ? "" : "; ", reason);
    }
    if (!j.harness_error.empty()) {
      tc.message = "harness error: " + j.harness_error;
    } else {
      tc.message = "the run is invalid" + (reasons.empty() ? "" : ": " + reasons);
    }
    tc.body = fmt::format("verdict: {}\n", j.verdict.value_or("none"));
    for (const auto& reason : j.invalid_reasons) {
      tc.body += fmt::format("invalid: {}\n", reason);
    }
    if (!j.harness_error.empty()) {
      tc.body += fmt::format("harness error: {}\n", j.harness_error);
    }
  } else if (!j.verdict) {
    tc.outcome = Outcome::kSkipped;
    tc.message = "the run has no verdict";
  } else {
    tc.system_out = fmt::format("verdict: {}", *j.verdict);
  }
  return tc;
}

TestCase faultCase(const FaultRecord& f) {
  TestCase tc{"fault", f.name};
  const std::string window =
      fmt::format("{} on {}, {:.1f}s to {}", f.kind, f.target, f.started_at_s,
                  f.ended_at_s ? fmt::format("{:.1f}s", *f.ended_at_s) : "the end");
  const std::string evidence = f.evidence.empty() ? "no evidence recorded" : f.evidence;
  if (!f.effective) {
    tc.outcome = Outcome::kFailure;
    tc.type = "not-effective";
    tc.message = fmt::format("fault did not take effect: {}", evidence);
    tc.body = fmt::format("{}\ninjections: {}\nevidence: {}\n", window, f.injections, evidence);
  } else {
    tc.system_out =
        fmt::format("{}; took effect: {} ({} injections)", window, evidence, f.injections);
  }
  return tc;
}

Suite buildSuite(const Journal& j, const std::string& name) {
  Suite suite;
  suite.name = name;
  suite.timestamp = j.started_at;
  if (!suite.timestamp.empty() && suite.timestamp.back() == 'Z') {
    suite.timestamp.pop_back();  // the JUnit schema's timestamp has no zone (UTC here)
  }
  suite.properties = {{"scenario", j.scenario_name},
                      {"scenario.file", j.scenario_file},
                      {"scenario.sha256", j.scenario_sha256},
                      {"seed", fmt::format("{}", j.seed)},
                      {"started_at", j.started_at},
                      {"verdict", j.verdict.value_or("")}};
  for (const auto& slo : j.slos) {
    suite.cases.push_back(sloCase(slo));
  }
  for (auto& tc : gateCases(j.findings)) {
    suite.cases.push_back(std::move(tc));
  }
  suite.cases.push_back(validityCase(j));
  for (const auto& f : j.faults) {
    suite.cases.push_back(faultCase(f));
  }
  for (const auto& tc : suite.cases) {
    suite.time_s += tc.time_s;
  }
  return suite;
}

Counts countOf(const Suite& suite) {
  Counts c;
  c.tests = suite.cases.size();
  c.time_s = suite.time_s;
  for (const auto& tc : suite.cases) {
    c.failures += tc.outcome == Outcome::kFailure ? 1 : 0;
    c.errors += tc.outcome == Outcome::kError ? 1 : 0;
    c.skipped += tc.outcome == Outcome::kSkipped ? 1 : 0;
  }
  return c;
}

std::string countAttributes(const Counts& c) {
  return fmt::format("tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\"",
                     c.tests, c.failures, c.errors, c.skipped, c.time_s);
}

void renderSuite(std::string& out, const Suite& suite) {
  out += fmt::format("  <testsuite name=\"{}\" {} timestamp=\"{}\">\n", escapeXml(suite.name),
                     countAttributes(countOf(suite)), escapeXml(suite.timestamp));
  out += "    <properties>\n";
  for (const auto& [key, value] : suite.properties) {
    out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", escapeXml(key),
                       escapeXml(value));
  }
  out += "    </properties>\n";
  for (const auto& tc : suite.cases) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"",
                       escapeXml(tc.classname), escapeXml(tc.name), tc.time_s);
    if (tc.outcome == Outcome::kPassed && tc.system_out.empty()) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (tc.outcome == Outcome::kSkipped) {
      out += fmt::format("      <skipped message=\"{}\"/>\n", escapeXml(tc.message));
    } else if (tc.outcome != Outcome::kPassed) {
      out += fmt::format("      <{0} message=\"{1}\" type=\"{2}\">{3}</{0}>\n",
                         outcomeTag(tc.outcome), escapeXml(tc.message), escapeXml(tc.type),
                         escapeMarkup(tc.body, MarkupUse::Text));
    }
    if (!tc.system_out.empty()) {
      out += fmt::format("      <system-out>{}</system-out>\n",
                         escapeMarkup(tc.system_out, MarkupUse::Text));
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n";
}

std::string renderSuites(const std::vector<Suite>& suites) {
  Counts total;
  for (const auto& suite : suites) {
    const Counts c = countOf(suite);
    total.tests += c.tests;
    total.failures += c.failures;
    total.errors += c.errors;
    total.skipped += c.skipped;
    total.time_s += c.time_s;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"outrider\" {}>\n", countAttributes(total));
  for (const auto& suite : suites) {
    renderSuite(out, suite);
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace

std::string escapeXml(std::string_view text) { return escapeMarkup(text, MarkupUse::Attribute); }

std::string renderJunit(const Journal& journal) {
  return renderSuites({buildSuite(journal, "outrider." + journal.scenario_name)});
}

std::string renderJunitSuites(const std::vector<Journal>& journals) {
  std::vector<Suite> suites;
  std::map<std::string, int> seen;
  for (const auto& j : journals) {
    std::string name = "outrider." + j.scenario_name;
    const int n = ++seen[name];
    if (n > 1) {
      name += fmt::format("#{}", n);
    }
    suites.push_back(buildSuite(j, name));
  }
  return renderSuites(suites);
}

}  // namespace outrider::reports
