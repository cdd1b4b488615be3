// [[slo]], [alerting] and [gate]: what the run is judged by.

#include <fmt/format.h>

#include <algorithm>

#include "outrider/common/units.h"
#include "outrider/metrics/selector.h"
#include "placeholder_syntax.h"
#include "scenario_decoder.h"

namespace outrider::scenarios::detail {
namespace {

const std::vector<std::string> SloKeys = {"name",   "sli",  "objective", "threshold", "period",
                                          "source", "good", "bad",       "total",     "bad_status"};
const std::vector<std::string> RatioKeys = {"source", "good", "bad", "total"};

}  // namespace

void ScenarioDecoder::decodeSlos() {
  for (const auto& [table, path] : sectionArray(root_, "slo")) {
    decodeSlo(*table, path);
  }
  checkDuplicates(slo_names_);
}

void ScenarioDecoder::decodeSlo(const toml::table& table, const std::string& path) {
  TableReader reader(decoder_, table, path);
  Slo slo;
  slo.where = reader.headerLocation();
  if (auto name = readName(reader, Need::Required)) {
    slo.name = *name;
    slo_names_.push_back(NameUse{*name, path, reader.pathOf("name"), reader.locationOf("name")});
  }
  auto sli = reader.choice<SliKind>("sli",
                                    {{"availability", SliKind::Availability},
                                     {"latency", SliKind::Latency},
                                     {"ratio", SliKind::Ratio},
                                     {"uptime", SliKind::Uptime}},
                                    Need::Required);
  if (sli) {
    slo.sli = *sli;
  }
  if (auto objective = reader.number("objective", Need::Required)) {
    if (*objective <= 0 || *objective >= 1) {
      reader.error("objective",
                   fmt::format("must be between 0 and 1 (exclusive), got {}", *objective));
    }
    slo.objective = *objective;
  }
  if (auto period = reader.duration("period")) {
    if (period->count() <= 0) {
      reader.error("period", "must be greater than 0s");
    }
    slo.period = *period;
  }
  if (!sli) {
    // Without a valid sli the SLI-specific keys cannot be judged.
    reader.finish(SloKeys);
    return;
  }
  const std::string sli_name = toString(*sli);
  if (*sli == SliKind::Latency) {
    if (auto threshold = reader.duration("threshold", Need::Required)) {
      if (threshold->count() <= 0) {
        reader.error("threshold", "must be greater than 0s");
      }
      slo.threshold = *threshold;
    }
  } else if (reader.has("threshold")) {
    reader.consume("threshold");
    reader.error("threshold",
                 "key 'threshold' applies only to sli = \"latency\", not \"" + sli_name + "\"");
  }
  if (*sli == SliKind::Uptime) {
    decodeUptime(reader, slo);
    reader.finish(SloKeys);
    scenario_.slos.push_back(std::move(slo));
    return;
  }
  if (*sli != SliKind::Ratio) {
    decodeBadStatus(reader, slo);
    for (const auto& key : RatioKeys) {
      if (reader.has(key)) {
        reader.consume(key);
        reader.error(key,
                     "key '" + key + "' applies only to sli = \"ratio\", not \"" + sli_name + "\"");
      }
    }
    reader.finish(SloKeys);
    scenario_.slos.push_back(std::move(slo));
    return;
  }
  if (auto source = reader.string("source", Need::Required)) {
    slo.source = *source;
    const ProcessSpec* process = findProcess(*source);
    if (!process) {
      auto hint = suggestPodName(*source, Suggest::ProcessesOnly);
      reader.error("source", "no process named '" + *source + "'" +
                                 (hint ? " (did you mean '" + *hint + "'?)" : std::string()));
    } else if (!process->metrics) {
      reader.error("source", "process '" + *source + "' has no metrics endpoint to read from");
    }
  }
  if (reader.has("bad_status")) {
    reader.consume("bad_status");
    reader.error("bad_status",
                 "key 'bad_status' applies to sli = \"availability\" and "
                 "\"latency\" (a ratio SLI's selectors say what is bad)");
  }
  auto selector = [this, &reader](std::string_view key, Need need) -> std::string {
    auto text = reader.string(key, need);
    if (text && text->empty()) {
      reader.error(key,
                   "expected a metric selector like \"http_requests_total{code=~\\\"5..\\\"}\"");
    } else if (text) {
      checkSelector(reader, key, *text);
    }
    return text.value_or("");
  };
  slo.total = selector("total", Need::Required);
  slo.good = selector("good", Need::Optional);
  slo.bad = selector("bad", Need::Optional);
  if (reader.has("good") && reader.has("bad")) {
    reader.error("bad", "give either 'good' or 'bad', not both");
  } else if (!reader.has("good") && !reader.has("bad")) {
    decoder_.error(reader.headerLocation(), path,
                   "a ratio SLI needs 'good' or 'bad' (a metric selector) besides 'total'");
  }
  reader.finish(SloKeys);
  scenario_.slos.push_back(std::move(slo));
}

// sli = "uptime": `source` names a pod process (any, metrics or not); nothing else of a ratio or
// a request SLI applies.
void ScenarioDecoder::decodeUptime(TableReader& reader, Slo& slo) {
  if (auto source = reader.string("source", Need::Required)) {
    slo.source = *source;
    if (findProcess(*source) == nullptr) {
      auto hint = suggestPodName(*source, Suggest::ProcessesOnly);
      reader.error("source", "no process named '" + *source + "'" +
                                 (hint ? " (did you mean '" + *hint + "'?)" : std::string()));
    }
  }
  for (const std::string key : {"good", "bad", "total", "bad_status"}) {
    if (reader.has(key)) {
      reader.consume(key);
      reader.error(key, "key '" + key +
                            "' does not apply to sli = \"uptime\" (its events are the seconds "
                            "its source was ready)");
    }
  }
}

// ["5xx", 401, "4xx"]: codes as integers (or strings of digits), classes as "Nxx", each once.
std::optional<std::vector<StatusMatch>> ScenarioDecoder::decodeStatusList(TableReader& reader,
                                                                          std::string_view key) {
  const toml::node* node = reader.node(key);
  if (node == nullptr) {
    return std::nullopt;
  }
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    reader.error(key,
                 "expected an array of status codes and classes, like "
                 "[\"5xx\", 401, 429]");
    return std::nullopt;
  }
  std::vector<StatusMatch> matches;
  bool ok = true;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const std::string path = reader.pathOf(key) + "[" + std::to_string(i) + "]";
    const SourceLocation where = decoder_.locate(element.source());
    std::optional<StatusMatch> match;
    if (auto code = element.value<int64_t>(); code && element.is_integer()) {
      if (*code >= 100 && *code <= 599) {
        match = StatusMatch{static_cast<int>(*code), 0};
      }
    } else if (element.is_string()) {
      const std::string& text = element.as_string()->get();
      if (text.size() == 3 && text[0] >= '1' && text[0] <= '5' && text[1] == 'x' &&
          text[2] == 'x') {
        match = StatusMatch{0, text[0] - '0'};
      } else if (text.size() == 3 && std::all_of(text.begin(), text.end(),
                                                 [](char c) { return c >= '0' && c <= '9'; })) {
        const int number = std::stoi(text);
        if (number >= 100 && number <= 599) {
          match = StatusMatch{number, 0};
        }
      }
    }
    if (!match) {
      decoder_.error(where, path,
                     "expected a status code 100..599 (401) or a class \"1xx\"..\"5xx\"");
      ok = false;
      continue;
    }
    if (std::find(matches.begin(), matches.end(), *match) != matches.end()) {
      decoder_.error(where, path, "\"" + toString(*match) + "\" is listed twice");
      ok = false;
      continue;
    }
    matches.push_back(*match);
  }
  if (!ok) {
    return std::nullopt;
  }
  return matches;
}

// bad_status: 5xx must be there, a server error is never a good reply.
void ScenarioDecoder::decodeBadStatus(TableReader& reader, Slo& slo) {
  auto matches = decodeStatusList(reader, "bad_status");
  if (!matches) {
    return;
  }
  if (std::find(matches->begin(), matches->end(), StatusMatch{0, 5}) == matches->end()) {
    reader.error("bad_status",
                 "must include \"5xx\": a server error is never a good reply "
                 "(list what is bad besides it, like [\"5xx\", 401])");
    return;
  }
  slo.bad_status = std::move(*matches);
}

void ScenarioDecoder::checkSelector(TableReader& reader, std::string_view key,
                                    const std::string& text) {
  // Placeholder problems were reported when the string was read.
  if (!decoder_.placeholdersResolvable(text)) {
    return;
  }
  const std::string checked = substituteStandIns(text, decoder_.env());
  auto parsed = metrics::Selector::parse(checked);
  if (parsed) {
    return;
  }
  // At the selector's own column when the string is written without escapes (its source is
  // then exactly the text between two quotes), else at the string.
  const toml::node* value = reader.table().get(key);
  SourceLocation where = decoder_.locate(value->source());
  const auto& source = value->source();
  const bool verbatim = checked == text && source.begin.line == source.end.line &&
                        source.end.column - source.begin.column == text.size() + 2;
  if (verbatim && parsed.error().where) {
    where.column += parsed.error().where->column;
  }
  decoder_.error(where, reader.pathOf(key), "invalid metric selector: " + parsed.error().message);
}

void ScenarioDecoder::decodeAlerting() {
  Alerting& alerting = scenario_.alerting;
  alerting.rules = sreWorkbookRules();
  const toml::table* table = section("alerting", Need::Optional);
  if (!table) {
    return;
  }
  TableReader reader(decoder_, *table, "alerting");
  auto policy = reader.choice<AlertPolicy>(
      "policy", {{"sre-workbook", AlertPolicy::SreWorkbook}, {"rules", AlertPolicy::Rules}});
  if (auto history = reader.choice<AlertHistory>(
          "history", {{"clean", AlertHistory::Clean}, {"none", AlertHistory::None}})) {
    alerting.history = *history;
  }
  std::vector<AlertRule> rules;
  for (const auto& [rule_table, path] : sectionArray(reader, "rule")) {
    TableReader rule_reader(decoder_, *rule_table, path);
    AlertRule rule;
    if (auto severity = rule_reader.choice<std::string>(
            "severity", {{"page", "page"}, {"ticket", "ticket"}}, Need::Required)) {
      rule.severity = *severity;
    }
    auto long_window = rule_reader.duration("long", Need::Required);
    auto short_window = rule_reader.duration("short", Need::Required);
    // The SLO engine keeps one bucket per second, so a window is a whole number of them.
    auto wholeSeconds = [&rule_reader](std::string_view key, std::chrono::nanoseconds window) {
      if (window.count() <= 0) {
        rule_reader.error(key, "must be greater than 0s");
        return false;
      }
      if (window % std::chrono::seconds(1) != std::chrono::nanoseconds(0)) {
        rule_reader.error(key, "must be whole seconds (the burn rate is evaluated each second), "
                               "got " + formatDuration(window));
        return false;
      }
      return true;
    };
    if (long_window) {
      wholeSeconds("long", *long_window);
      rule.long_window = *long_window;
    }
    if (short_window) {
      if (wholeSeconds("short", *short_window) && long_window &&
          *short_window >= *long_window) {
        rule_reader.error("short", "the short window must be shorter than the long window");
      }
      rule.short_window = *short_window;
    }
    if (auto factor = rule_reader.number("factor", Need::Required)) {
      if (*factor <= 0) {
        rule_reader.error("factor", fmt::format("must be greater than 0, got {}", *factor));
      }
      rule.factor = *factor;
    }
    rule_reader.finish({"severity", "long", "short", "factor"});
    rules.push_back(std::move(rule));
  }
  const bool has_rules = reader.has("rule");
  if (policy == AlertPolicy::SreWorkbook && has_rules) {
    reader.error("rule", "[[alerting.rule]] needs policy = \"rules\", not \"sre-workbook\"");
  } else if (policy == AlertPolicy::Rules && !has_rules) {
    reader.error("policy", "policy = \"rules\" needs at least one [[alerting.rule]]");
  }
  if (policy == AlertPolicy::Rules || (!reader.has("policy") && has_rules)) {
    alerting.policy = AlertPolicy::Rules;
    alerting.rules = std::move(rules);
  }
  reader.finish({"policy", "history", "rule"});
}

void ScenarioDecoder::decodeGate() {
  const toml::table* table = section("gate", Need::Optional);
  if (!table) {
    return;
  }
  Gate& gate = scenario_.gate;
  TableReader reader(decoder_, *table, "gate");
  if (auto budget = reader.number("max_budget_consumed")) {
    if (*budget <= 0 || *budget > 1) {
      reader.error("max_budget_consumed",
                   fmt::format("must be a fraction of the budget in (0, 1], got {}", *budget));
    }
    gate.max_budget_consumed = *budget;
  }
  if (auto growth = reader.string("max_memory_growth")) {
    auto rate = parseSizeRate(*growth);
    if (!rate || *rate <= 0) {
      reader.error("max_memory_growth",
                   "invalid memory growth " + quote(*growth) +
                       " (a size per span of time greater than 0, like \"20MiB/min\")");
    } else {
      gate.max_memory_growth_bytes_per_s = *rate;
      gate.max_memory_growth = *growth;
    }
  }
  if (auto series = reader.integer("max_series")) {
    if (*series < 1) {
      reader.error("max_series", "must be 1 or more series, got " + std::to_string(*series));
    } else {
      gate.max_series = static_cast<uint64_t>(*series);
    }
  }
  if (auto growth = reader.string("max_series_growth")) {
    auto rate = parseCountRate(*growth);
    if (!rate || *rate <= 0) {
      reader.error("max_series_growth",
                   "invalid series growth " + quote(*growth) +
                       " (a count per span of time greater than 0, like \"100/min\")");
    } else {
      gate.max_series_growth_per_s = *rate;
      gate.max_series_growth = *growth;
    }
  }
  if (const toml::node* fail_on = reader.node("fail_on")) {
    const toml::array* array = fail_on->as_array();
    if (!array) {
      reader.error("fail_on", "expected an array of strings like [\"objective\", \"page\"], got " +
                                  describe(*fail_on));
    } else {
      const std::vector<std::pair<std::string, FindingKind>> kinds = {
          {"objective", FindingKind::Objective}, {"page", FindingKind::Page},
          {"ticket", FindingKind::Ticket},       {"budget", FindingKind::Budget},
          {"leak", FindingKind::Leak},
          {"cardinality", FindingKind::Cardinality},
          {"audit", FindingKind::Audit}};
      std::vector<std::string> names;
      for (const auto& [name, kind] : kinds) {
        names.push_back(name);
      }
      gate.fail_on.clear();
      for (size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string path = reader.pathOf("fail_on") + "[" + std::to_string(i) + "]";
        const SourceLocation where = decoder_.locate(element.source());
        if (!element.is_string()) {
          decoder_.error(where, path, "expected a string, got " + describe(element));
          continue;
        }
        const std::string& text = element.as_string()->get();
        auto kind = std::find_if(kinds.begin(), kinds.end(),
                                 [&text](const auto& entry) { return entry.first == text; });
        if (kind == kinds.end()) {
          auto hint = closestMatch(text, names);
          decoder_.error(where, path,
                         "invalid value " + quote(text) +
                             (hint ? " (did you mean '" + *hint + "'?)"
                                   : " (expected " + listChoices(names) + ")"));
          continue;
        }
        if (kind->second == FindingKind::Budget && !gate.max_budget_consumed) {
          decoder_.error(where, path, "\"budget\" needs gate.max_budget_consumed");
        }
        if (kind->second == FindingKind::Leak && !reader.has("max_memory_growth")) {
          decoder_.error(where, path, "\"leak\" needs gate.max_memory_growth");
        }
        if (kind->second == FindingKind::Cardinality && !reader.has("max_series") &&
            !reader.has("max_series_growth")) {
          decoder_.error(where, path,
                         "\"cardinality\" needs gate.max_series or gate.max_series_growth");
        }
        if (std::find(gate.fail_on.begin(), gate.fail_on.end(), kind->second) ==
            gate.fail_on.end()) {
          gate.fail_on.push_back(kind->second);
        }
      }
    }
  }
  if (auto min_events = reader.integer("min_events")) {
    if (*min_events < 0) {
      reader.error("min_events", "must be 0 or more, got " + std::to_string(*min_events));
    } else {
      gate.min_events = static_cast<uint64_t>(*min_events);
    }
  }
  reader.finish({"fail_on", "max_budget_consumed", "min_events", "max_memory_growth", "max_series",
                 "max_series_growth"});
}

}  // namespace outrider::scenarios::detail
