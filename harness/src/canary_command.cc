// `outrider canary`: baseline and candidate in interleaved pairs (A B, B A, A B ...), so that
// the drift of a shared, noisy machine falls on both alike; every run with one seed, so both
// see the same faults; then the judge (slo/canary) and the canary's folder.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "outrider/common/exit_codes.h"
#include "outrider/common/time_format.h"
#include "outrider/harness/canary_inputs.h"
#include "outrider/harness/commands.h"
#include "outrider/harness/run_folder.h"
#include "outrider/harness/scenario_source.h"
#include "outrider/reports/canary_report.h"
#include "outrider/slo/canary/judge.h"

namespace outrider::harness {

namespace fs = std::filesystem;

namespace {

namespace canary = slo::canary;

double secondsSince(const Clock& clock, MonotonicTime start) {
  return std::chrono::duration<double>(clock.monotonicNow() - start).count();
}

const scenarios::CanaryMetric* metricNamed(const std::vector<scenarios::CanaryMetric>& metrics,
                                           const std::string& name) {
  for (const auto& metric : metrics) {
    if (metric.name == name) {
      return &metric;
    }
  }
  return nullptr;
}

reports::CanaryMetricRecord recordOf(const canary::MetricResult& m,
                                     const scenarios::CanaryMetric* metric, bool series) {
  reports::CanaryMetricRecord r;
  r.name = m.name;
  r.unit = series ? "ms" : "ratio";
  r.baseline = m.baseline;
  r.candidate = m.candidate;
  r.change = m.change;
  r.relative = m.tolerance.relative;
  r.p_value = m.p_value;
  r.effect_size = m.effect_size;
  r.tolerance = metric ? metric->tolerance.text : "";
  r.tolerance_value = m.tolerance.value;
  r.classification = std::string(canary::toString(m.classification));
  r.power = m.power;
  r.underpowered = m.underpowered;
  r.explanation = m.explanation;
  r.test = m.test;
  return r;
}

int exitFor(const std::string& verdict) {
  if (verdict == "pass") {
    return exit_code::Pass;
  }
  if (verdict == "fail") {
    return exit_code::Fail;
  }
  if (verdict == "invalid") {
    return exit_code::Invalid;
  }
  return exit_code::Inconclusive;  // marginal: too little data or too close to tell
}

}  // namespace

int canaryCommand(const CanaryOptions& options, const Environment& env) {
  auto scenario = loadScenarioReporting(options.scenario_path, std::cerr);
  if (!scenario) {
    return exit_code::Usage;
  }
  // Both names are checked before the first run: a typo must not cost a run's time.
  for (const std::string* name : {&options.baseline, &options.candidate}) {
    scenarios::Scenario probe = *scenario;
    if (auto applied = scenarios::applyVariant(probe, *name); !applied) {
      std::cerr << "outrider: " << applied.error().message << "\n";
      return exit_code::Usage;
    }
  }
  const uint64_t seed = chooseSeed(options.seed, *scenario, env.drawn_seed);
  const uint32_t pairs = options.pairs.value_or(scenario->canary.pairs);
  auto folder =
      createFolder(options.out_dir, "canary-" + scenario->name, env.clock.systemNow(), "runs");
  if (!folder) {
    std::cerr << "outrider: " << folder.error().message << "\n";
    return exit_code::Harness;
  }
  const std::string out = *folder;

  reports::CanaryReport report;
  report.scenario = scenario->name;
  report.scenario_file = options.scenario_path;
  report.seed = seed;
  report.baseline = options.baseline;
  report.candidate = options.candidate;
  report.pairs = pairs;
  report.started_at = formatUtc(env.clock.systemNow(), false);
  const MonotonicTime started = env.clock.monotonicNow();
  std::cout << fmt::format("canary {}: {} against {}, {} pair(s), seed {} -> {}\n", scenario->name,
                           options.candidate, options.baseline, pairs, seed, out);

  std::vector<reports::Journal> baseline_runs;
  std::vector<reports::Journal> candidate_runs;
  bool invalid = false;
  for (uint32_t pair = 1; pair <= pairs && !invalid; ++pair) {
    // A B, then B A: whatever drifts over the canary's time weighs on both variants alike.
    const bool baseline_first = pair % 2 == 1;
    for (int slot = 0; slot < 2 && !invalid; ++slot) {
      const bool is_baseline = (slot == 0) == baseline_first;
      reports::CanaryRun run;
      run.pair = pair;
      run.role = is_baseline ? "baseline" : "candidate";
      run.variant = is_baseline ? options.baseline : options.candidate;
      run.folder = fmt::format("runs/pair-{}-{}", pair, run.role);
      RunOptions one;
      one.scenario_path = options.scenario_path;
      one.seed = seed;
      one.out_dir = out + "/" + run.folder;
      one.variant = run.variant;
      one.quiet = true;
      one.summary = false;
      const MonotonicTime run_started = env.clock.monotonicNow();
      run.exit_code = runCommand(one, env);
      run.wall_s = secondsSince(env.clock, run_started);
      auto journal = reports::readJournal(one.out_dir);
      if (journal) {
        run.verdict = journal->verdict.value_or("");
      }
      if (!options.quiet) {
        std::cout << fmt::format("  pair {}/{} {:<9} {:<16} exit {} ({}), {:.1f} s\n", pair, pairs,
                                 run.role, run.variant, run.exit_code,
                                 run.verdict.empty() ? "no verdict" : run.verdict, run.wall_s);
      }
      report.runs.push_back(run);
      if (run.exit_code == exit_code::Usage || run.exit_code == exit_code::Harness || !journal) {
        // The harness or the host failed: nothing to judge, and the next run would likely fail
        // the same way.
        std::cerr << fmt::format("outrider: canary stopped: run {} exited {}{}\n", run.folder,
                                 run.exit_code, journal ? "" : " without a journal");
        return run.exit_code == exit_code::Usage ? exit_code::Usage : exit_code::Harness;
      }
      if (run.exit_code == exit_code::Invalid) {
        invalid = true;
        std::string why;
        for (const auto& reason : journal->invalid_reasons) {
          why += (why.empty() ? "" : "; ") + reason;
        }
        report.reasons.push_back(fmt::format("run {} ({}) was invalid: {}", run.folder, run.variant,
                                             why.empty() ? "see its journal" : why));
      }
      (is_baseline ? baseline_runs : candidate_runs).push_back(std::move(*journal));
    }
  }

  if (invalid) {
    report.verdict = "invalid";
  } else {
    const auto& metrics = scenario->canary.metrics;
    const CanaryInputs inputs = canaryInputs(metrics, baseline_runs, candidate_runs);
    const canary::CanaryResult judged = canary::judgeCanary(inputs.series, inputs.counts);
    report.verdict = std::string(canary::toString(judged.verdict));
    report.score = judged.score;
    report.reasons = judged.reasons;
    for (const auto& m : judged.metrics) {
      const bool series = std::any_of(inputs.series.begin(), inputs.series.end(),
                                      [&m](const auto& s) { return s.name == m.name; });
      report.metrics.push_back(recordOf(m, metricNamed(metrics, m.name), series));
    }
  }
  report.wall_s = secondsSince(env.clock, started);
  for (const auto& path : writeCanaryFolder(report, baseline_runs, candidate_runs, out)) {
    std::cerr << "outrider: cannot write " << path << "\n";
  }

  std::cout << fmt::format("\ncanary: {} (score {:.0f}/100) in {:.0f} s\n", report.verdict,
                           report.score, report.wall_s);
  for (const auto& m : report.metrics) {
    std::cout << fmt::format("  {:<14} {:<5} {}\n", m.name, m.classification, m.explanation);
  }
  for (const auto& reason : report.reasons) {
    std::cout << "  - " << reason << "\n";
  }
  std::cout << "  " << out << "/canary.md\n";
  return exitFor(report.verdict);
}

}  // namespace outrider::harness
