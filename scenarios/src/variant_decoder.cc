// [[variant]] and [canary] (spec/scenario.md "Variants and canary"): the sidecars a canary
// compares and how it judges them.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "outrider/common/units.h"
#include "scenario_decoder.h"

namespace outrider::scenarios::detail {
namespace {

bool isVariantName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// "10%" -> 0.10; nullopt unless a finite, non-negative number followed by '%'.
std::optional<double> parsePercent(const std::string& text) {
  if (text.size() < 2 || text.back() != '%') {
    return std::nullopt;
  }
  double value = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size() - 1;
  auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || end != last || !std::isfinite(value) || value < 0) {
    return std::nullopt;
  }
  return value / 100.0;
}

}  // namespace

void ScenarioDecoder::decodeVariants() {
  for (const auto& [table, path] : sectionArray(root_, "variant")) {
    TableReader reader(decoder_, *table, path);
    Variant variant;
    variant.where = reader.headerLocation();
    if (auto name = reader.string("name", Need::Required)) {
      if (!isVariantName(*name)) {
        reader.error("name", "invalid variant name " + quote(*name) +
                                 " (use lowercase letters, digits and '-', like \"candidate\")");
      }
      variant.name = *name;
      variant_names_.push_back(
          NameUse{*name, path, reader.pathOf("name"), reader.locationOf("name")});
    }
    const ProcessSpec* sidecar = nullptr;
    if (auto target = reader.string("sidecar", Need::Required)) {
      variant.sidecar = *target;
      const ProcessSpec* found = findProcess(*target);
      if (found && found->role == ProcessRole::Sidecar) {
        sidecar = found;
      } else {
        std::vector<std::string> sidecars;
        for (const auto& candidate : scenario_.sidecars) {
          sidecars.push_back(candidate.name);
        }
        std::string message = "no [[sidecar]] named " + quote(*target);
        if (auto hint = closestMatch(*target, sidecars)) {
          message += " (did you mean " + quote(*hint) + "?)";
        } else if (found) {
          message += " (" + quote(*target) + " is not a sidecar: a variant replaces a sidecar)";
        }
        reader.error("sidecar", message);
      }
    }
    for (const auto& [key, value] : *table) {
      if (key.str() != "name" && key.str() != "sidecar") {
        variant.keys.emplace_back(key.str());
      }
    }
    // A named reference: clang 14 (the fuzz build) cannot capture a structured binding.
    const toml::table& entries = *table;
    std::sort(variant.keys.begin(), variant.keys.end(), [&entries](const auto& a, const auto& b) {
      const auto& ra = entries.get(a)->source().begin;
      const auto& rb = entries.get(b)->source().begin;
      return std::tie(ra.line, ra.column) < std::tie(rb.line, rb.column);
    });
    if (sidecar) {
      variant.process =
          decodeProcess(*table, path, ProcessRole::Sidecar, sidecar, {"name", "sidecar"});
    } else {
      // Still report the variant's other keys (typos, types) against an empty base.
      ProcessSpec none;
      none.command = {"-"};
      decodeProcess(*table, path, ProcessRole::Sidecar, &none, {"name", "sidecar"});
    }
    scenario_.variants.push_back(std::move(variant));
  }
  checkDuplicates(variant_names_);
}

void ScenarioDecoder::decodeCanary() {
  Canary& canary = scenario_.canary;
  canary.metrics = defaultCanaryMetrics();
  const toml::table* table = section("canary", Need::Optional);
  if (!table) {
    return;
  }
  TableReader reader(decoder_, *table, "canary");
  canary.where = reader.headerLocation();
  if (auto pairs = reader.integer("pairs")) {
    if (*pairs < 1 || *pairs > 100) {
      reader.error("pairs", fmt::format("must be 1 to 100 pairs, got {}", *pairs));
    } else {
      canary.pairs = static_cast<uint32_t>(*pairs);
    }
  }
  // The metrics a canary may judge: the built-in three, and each SLO by its name.
  std::vector<std::string> known = {"error_rate", "latency_p50", "latency_p99"};
  for (const Slo& slo : scenario_.slos) {
    known.push_back(slo.name);
  }
  auto kindOf = [&](const std::string& name) -> std::optional<CanaryMetricKind> {
    if (name == "error_rate") {
      return CanaryMetricKind::ErrorRate;
    }
    if (name == "latency_p50") {
      return CanaryMetricKind::LatencyP50;
    }
    if (name == "latency_p99") {
      return CanaryMetricKind::LatencyP99;
    }
    for (const Slo& slo : scenario_.slos) {
      if (slo.name == name) {
        return CanaryMetricKind::Slo;
      }
    }
    return std::nullopt;
  };
  auto unknownMetric = [&](const std::string& name) {
    std::string message = "unknown canary metric " + quote(name) +
                          " (error_rate, latency_p50, latency_p99 or an [[slo]] name)";
    if (auto hint = closestMatch(name, known)) {
      message += "; did you mean " + quote(*hint) + "?";
    }
    return message;
  };
  if (auto names = reader.stringArray("metrics")) {
    canary.metrics.clear();
    if (names->empty()) {
      reader.error("metrics", "lists no metric: leave it out for the default set");
    }
    for (const auto& name : *names) {
      auto kind = kindOf(name);
      if (!kind) {
        reader.error("metrics", unknownMetric(name));
        continue;
      }
      const bool seen = std::any_of(canary.metrics.begin(), canary.metrics.end(),
                                    [&](const CanaryMetric& m) { return m.name == name; });
      if (seen) {
        reader.error("metrics", quote(name) + " is listed twice");
        continue;
      }
      canary.metrics.push_back(CanaryMetric{name, *kind, defaultCanaryTolerance(*kind)});
    }
  }
  if (auto tolerances = reader.stringTable("max_regression")) {
    for (const auto& entry : *tolerances) {
      auto metric = std::find_if(canary.metrics.begin(), canary.metrics.end(),
                                 [&](const CanaryMetric& m) { return m.name == entry.key; });
      if (metric == canary.metrics.end()) {
        decoder_.error(entry.where, entry.path,
                       kindOf(entry.key) ? quote(entry.key) + " is not in [canary] metrics"
                                         : unknownMetric(entry.key));
        continue;
      }
      const bool latency = metric->kind == CanaryMetricKind::LatencyP50 ||
                           metric->kind == CanaryMetricKind::LatencyP99;
      if (auto fraction = parsePercent(entry.value)) {
        // A latency's percentage is of its baseline; a rate's is of all requests.
        metric->tolerance = CanaryTolerance{*fraction, latency, entry.value};
      } else if (auto duration = parseDuration(entry.value); latency && duration) {
        metric->tolerance = CanaryTolerance{
            std::chrono::duration<double, std::milli>(*duration).count(), false, entry.value};
      } else {
        decoder_.error(
            entry.where, entry.path,
            latency ? "expected a percentage of the baseline like \"10%\" or a "
                      "duration like \"5ms\", got " +
                          quote(entry.value)
                    : "expected a percentage of requests like \"0.1%\", got " + quote(entry.value));
      }
    }
  }
  reader.finish({"pairs", "metrics", "max_regression"});
}

}  // namespace outrider::scenarios::detail
