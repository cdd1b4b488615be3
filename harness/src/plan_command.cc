#include <algorithm>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "outrider/common/exit_codes.h"
#include "outrider/common/units.h"
#include "outrider/faults/plan.h"
#include "outrider/harness/commands.h"
#include "outrider/harness/scenario_source.h"
#include "outrider/scenarios/placeholders.h"

namespace outrider::harness {

namespace {

std::string joinCommand(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) {
      out += ' ';
    }
    // Quote what a shell would split, so the line can be pasted to reproduce a process.
    bool plain = !arg.empty() && arg.find_first_of(" \t\"'$\\") == std::string::npos;
    out += plain ? arg : "'" + arg + "'";
  }
  return out;
}

}  // namespace

int planCommand(const PlanOptions& options, const Environment& env) {
  auto scenario = loadScenarioReporting(options.scenario_path, std::cerr);
  if (!scenario) {
    return exit_code::Usage;
  }
  const uint64_t seed = chooseSeed(options.seed, *scenario, env.drawn_seed);
  scenarios::PlaceholderContext context;
  context.bin = env.bin_dir;
  context.scenario_dir = std::filesystem::path(options.scenario_path).parent_path().string();
  if (context.scenario_dir.empty()) {
    context.scenario_dir = ".";
  }
  context.run_dir = "runs/" + scenario->name + "-<UTC time>";
  auto resolved = resolveScenario(*scenario, context, std::cerr);
  if (!resolved.scenario) {
    return resolved.exit_code;
  }
  const auto& ports = resolved.ports;
  const auto& s = *resolved.scenario;
  std::cout << fmt::format("scenario {} ({}), seed {}, duration {}\n", s.name, s.file, seed,
                           formatDuration(s.duration));
  if (!s.description.empty()) {
    std::cout << "  " << s.description << "\n";
  }
  if (!ports.empty()) {
    std::cout << "\nports (allocated for this plan; a run allocates its own):\n";
    for (const auto& [name, port] : ports) {
      std::cout << fmt::format("  {:<20} {}\n", name, port);
    }
  }
  if (!s.links.empty()) {
    std::cout << "\nlinks (fault proxies started before any process):\n";
    for (const auto& link : s.links) {
      std::cout << fmt::format("  {:<20} {} -> {} ({})\n", link.name, link.listen, link.to,
                               link.protocol == scenarios::LinkProtocol::Http ? "http" : "tcp");
    }
  }
  std::cout << "\nprocesses, in start order:\n";
  int index = 1;
  for (const auto* p : s.processes()) {
    std::string how = scenarios::toString(p->role);
    if (p->role == scenarios::ProcessRole::Sidecar) {
      how += ", " + scenarios::toString(p->start);
    }
    how += ", restart " + scenarios::toString(p->restart);
    std::cout << fmt::format("  {}. {} ({})\n", index++, p->name, how);
    std::cout << fmt::format("       command: {}\n", joinCommand(p->command));
    if (p->run_as) {
      std::cout << fmt::format("       as:      {}:{} (uid {}, gid {}; no_new_privs)\n",
                               p->run_as->user, p->run_as->group, p->run_as->uid, p->run_as->gid);
    }
    if (p->ready) {
      std::cout << fmt::format("       ready:   {} (within {})\n", *p->ready,
                               formatDuration(p->ready_timeout));
    }
    if (p->live) {
      std::cout << fmt::format("       live:    {}\n", *p->live);
    }
    if (p->metrics) {
      std::cout << fmt::format("       metrics: {}\n", *p->metrics);
    }
  }
  std::cout << "  stop order: app, then sidecars once it has exited, then services\n";
  if (!scenario->variants.empty()) {
    std::cout << "\nvariants (run --variant NAME, canary --baseline/--candidate NAME):\n";
    for (const auto& v : scenario->variants) {
      std::string keys;
      for (const auto& key : v.keys) {
        keys += (keys.empty() ? "" : ", ") + key;
      }
      std::cout << fmt::format(
          "  {:<20} replaces {}: {}\n", v.name, v.sidecar,
          keys.empty() ? std::string("nothing (the sidecar as declared)") : keys);
    }
    std::cout << fmt::format("  canary: {} pair(s) of", scenario->canary.pairs);
    for (const auto& m : scenario->canary.metrics) {
      std::cout << fmt::format(" {} (<= {})", m.name, m.tolerance.text);
    }
    std::cout << "\n";
  }
  if (s.load) {
    const auto& l = *s.load;
    const double measured_s = toSeconds(s.duration - l.warmup);
    std::cout << fmt::format(
        "\nload: {} {} at {} req/s over {} connections, warmup {}, timeout {}\n"
        "      {:.0f} measured requests scheduled\n",
        l.method, l.target, l.rate, l.connections, formatDuration(l.warmup),
        formatDuration(l.timeout), l.rate * measured_s);
  }
  std::cout << "\nfault schedule (seed " << seed << "):\n";
  if (s.faults.empty()) {
    std::cout << "  (none)\n";
  } else {
    std::cout << faults::renderPlan(faults::compilePlan(s, seed));
  }
  return exit_code::Pass;
}

}  // namespace outrider::harness
