// outrider: the CLI. Each subcommand fills an Options struct and calls one library function;
// main() owns the real clock and the entropy, and maps outcomes to the exit codes of spec/cli.md.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <random>

#include <CLI/CLI.hpp>

#include "outrider/common/clock.h"
#include "outrider/common/exit_codes.h"
#include "outrider/harness/commands.h"

namespace {

// The folder of the outrider binaries: ${bin} in scenarios.
std::string binDir() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"outrider: prove sidecars keep their SLOs when things break"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "outrider 0.1.0");

  outrider::harness::RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run one game day and write its run folder");
  run_cmd->add_option("scenario", run.scenario_path, "Scenario file")->required();
  uint64_t run_seed = 0;
  auto* run_seed_opt = run_cmd->add_option("--seed", run_seed,
                                           "Seed for every random choice (default: the "
                                           "scenario's, else drawn and recorded)");
  run_cmd->add_option("--out", run.out_dir, "Run folder (default: runs/<scenario>-<UTC time>)");
  run_cmd->add_option("--variant", run.variant,
                      "Run with this [[variant]] in place of the sidecar it replaces");
  run_cmd->add_flag("--quiet", run.quiet, "Print only the summary");

  outrider::harness::CanaryOptions canary;
  auto* canary_cmd = app.add_subcommand(
      "canary", "Judge a candidate sidecar variant against a baseline under the same faults");
  canary_cmd->add_option("scenario", canary.scenario_path, "Scenario file")->required();
  canary_cmd->add_option("--baseline", canary.baseline, "The baseline [[variant]]")->required();
  canary_cmd->add_option("--candidate", canary.candidate, "The candidate [[variant]]")->required();
  uint32_t canary_pairs = 0;
  auto* canary_pairs_opt =
      canary_cmd->add_option("--pairs", canary_pairs, "Pairs of runs (default: [canary] pairs)")
          ->check(CLI::Range(1, 100));
  uint64_t canary_seed = 0;
  auto* canary_seed_opt = canary_cmd->add_option(
      "--seed", canary_seed, "Seed of every run (default: the scenario's, else drawn)");
  canary_cmd->add_option("--out", canary.out_dir,
                         "Canary folder (default: runs/canary-<scenario>-<UTC time>)");
  canary_cmd->add_flag("--quiet", canary.quiet, "Print only the judgement");

  std::vector<std::string> validate_paths;
  auto* validate_cmd = app.add_subcommand("validate", "Check scenario files; run nothing");
  validate_cmd->add_option("scenario", validate_paths, "Scenario files")->required();

  outrider::harness::PlanOptions plan;
  auto* plan_cmd =
      app.add_subcommand("plan", "Print the process plan and the fault schedule; run nothing");
  plan_cmd->add_option("scenario", plan.scenario_path, "Scenario file")->required();
  uint64_t plan_seed = 0;
  auto* plan_seed_opt =
      plan_cmd->add_option("--seed", plan_seed, "Seed (default: the scenario's, else drawn)");

  outrider::harness::ReportOptions report;
  auto* report_cmd = app.add_subcommand("report", "Render a finished run again from its journal");
  report_cmd->add_option("run_dir", report.run_dir, "Run folder")->required()->check(
      CLI::ExistingDirectory);
  report_cmd->add_option("--format", report.format,
                         "md, html, junit or postmortem (default: md)")
      ->check(CLI::IsMember({"md", "html", "junit", "postmortem"}));

  auto* faults_cmd = app.add_subcommand("faults", "List the fault kinds and their keys");

  bool cleanup_dry_run = false;
  auto* cleanup_cmd =
      app.add_subcommand("cleanup", "Remove what a killed run left behind (processes, cgroups)");
  cleanup_cmd->add_flag("--dry-run", cleanup_dry_run, "Print what would be done; do nothing");

  std::string rules_path;
  auto* rules_cmd = app.add_subcommand(
      "rules", "Prometheus recording and alerting rules for the scenario's SLOs");
  rules_cmd->add_option("scenario", rules_path, "Scenario file")->required();

  outrider::harness::GateOptions gate;
  auto* gate_cmd =
      app.add_subcommand("gate", "Run several scenarios for CI; one exit code for all (the worst)");
  gate_cmd->add_option("scenario", gate.scenario_paths, "Scenario files")->required();
  gate_cmd->add_option("--out", gate.out_dir, "Folder for the runs (default: runs/gate-<UTC>)");
  gate_cmd->add_option("--junit", gate.junit_path, "Write one JUnit XML file for all runs");
  gate_cmd
      ->add_option("--summary", gate.summary_path,
                   "Append the summary table as Markdown to FILE, e.g. "
                   "\"$GITHUB_STEP_SUMMARY\" (default: only <out>/gate-summary.md)")
      ->type_name("FILE");
  gate_cmd->add_flag("--quiet", gate.quiet, "Print only the summaries");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11 prints the message (or the help) and says 0 for --help; any other parse problem is
    // a usage error, exit 2 (spec/cli.md), not CLI11's own codes (106 and up).
    return app.exit(error) == 0 ? outrider::exit_code::Pass : outrider::exit_code::Usage;
  }
  if (run_seed_opt->count() > 0) {
    run.seed = run_seed;
  }
  if (plan_seed_opt->count() > 0) {
    plan.seed = plan_seed;
  }
  if (canary_pairs_opt->count() > 0) {
    canary.pairs = canary_pairs;
  }
  if (canary_seed_opt->count() > 0) {
    canary.seed = canary_seed;
  }

  outrider::RealClock clock;
  std::random_device entropy;
  // 53 bits: the seed must survive a round trip through jq, whose numbers are doubles.
  const uint64_t drawn_seed = ((uint64_t{entropy()} << 32) | entropy()) & ((uint64_t{1} << 53) - 1);
  outrider::harness::Environment env{clock, binDir(), drawn_seed, isatty(STDOUT_FILENO) == 1};

  if (*run_cmd) {
    return outrider::harness::runCommand(run, env);
  }
  if (*canary_cmd) {
    return outrider::harness::canaryCommand(canary, env);
  }
  if (*validate_cmd) {
    return outrider::harness::validateCommand(validate_paths, env);
  }
  if (*plan_cmd) {
    return outrider::harness::planCommand(plan, env);
  }
  if (*report_cmd) {
    return outrider::harness::reportCommand(report, env);
  }
  if (*gate_cmd) {
    return outrider::harness::gateCommand(gate, env);
  }
  if (*rules_cmd) {
    return outrider::harness::rulesCommand(rules_path, env);
  }
  if (*cleanup_cmd) {
    return outrider::harness::cleanupCommand(cleanup_dry_run, env);
  }
  if (*faults_cmd) {
    return outrider::harness::faultsCommand(env);
  }
  return outrider::exit_code::Usage;
}
