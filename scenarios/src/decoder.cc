#include "decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <tuple>

#include "outrider/common/units.h"
#include "placeholder_syntax.h"

namespace outrider::scenarios::detail {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Optimal string alignment distance (Levenshtein plus adjacent transpositions, "tagret"), or
// limit + 1 when it is more than limit. Only the cells within limit of the diagonal are computed,
// in three rolling rows, so a comparison costs O(length * limit) however long the words are.
size_t editDistance(std::string_view a, std::string_view b, size_t limit) {
  const size_t over = limit + 1;
  const size_t gap = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (gap > limit) {
    return over;
  }
  const size_t m = b.size();
  std::vector<size_t> buffer(3 * (m + 1), over);
  auto row = [&buffer, m](size_t i) { return buffer.data() + (i % 3) * (m + 1); };
  for (size_t j = 0; j <= std::min(m, limit); ++j) {
    row(0)[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t* current = row(i);
    const size_t* above = row(i - 1);
    const size_t* above2 = row(i + 1);  // row i - 2, when i > 1
    const size_t lo = i > limit ? i - limit : 1;
    const size_t hi = std::min(m, i + limit);
    // The cells just outside the band read as "too far"; column 0 is the distance to "".
    current[lo - 1] = lo == 1 ? std::min(i, over) : over;
    if (hi < m) {
      current[hi + 1] = over;
    }
    size_t best = over;
    for (size_t j = lo; j <= hi; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t d = std::min({above[j] + 1, current[j - 1] + 1, above[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d = std::min(d, above2[j - 2] + 1);
      }
      current[j] = std::min(d, over);
      best = std::min(best, current[j]);
    }
    if (best > limit) {
      return over;
    }
  }
  return row(a.size())[m];
}

}  // namespace

// Short strings, shown whole; long ones are cut so one line stays readable.
std::string quote(std::string_view text) {
  constexpr size_t MaxShown = 60;
  std::string out = "\"";
  for (char c : text.substr(0, MaxShown)) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += text.size() > MaxShown ? "...\"" : "\"";
  return out;
}

std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  const std::string needle = lower(word);
  const size_t allowed = needle.size() <= 3 ? 1 : needle.size() <= 8 ? 2 : 3;
  std::optional<std::string> best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const auto& candidate : candidates) {
    // The lengths alone rule a far candidate out before it is copied.
    const size_t length_gap = needle.size() > candidate.size() ? needle.size() - candidate.size()
                                                               : candidate.size() - needle.size();
    if (length_gap > allowed) {
      continue;
    }
    const size_t distance = editDistance(needle, lower(candidate), allowed);
    // A distance as long as the candidate itself means nothing was shared.
    if (distance <= allowed && distance < candidate.size() && distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string didYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  auto match = closestMatch(word, candidates);
  return match ? " (did you mean '" + *match + "'?)" : std::string();
}

std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "string " + quote(node.as_string()->get());
    case toml::node_type::integer:
      return "integer " + std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point:
      return fmt::format("float {}", node.as_floating_point()->get());
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "boolean true" : "boolean false";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string listChoices(const std::vector<std::string>& choices) {
  std::string out;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) {
      out += i + 1 == choices.size() ? " or " : ", ";
    }
    out += choices[i];
  }
  return out;
}

Decoder::Decoder(std::string file, const EnvLookup& env) : file_(std::move(file)), env_(env) {}

SourceLocation Decoder::locate(const toml::source_region& region) const {
  return SourceLocation{file_, region.begin.line, region.begin.column};
}

void Decoder::error(SourceLocation where, std::string key_path, std::string message) {
  diagnostics_.push_back(Diagnostic{std::move(where), std::move(key_path), std::move(message)});
}

std::vector<Diagnostic> Decoder::takeDiagnostics() {
  std::stable_sort(
      diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
      });
  return std::move(diagnostics_);
}

bool Decoder::checkPlaceholders(std::string_view text, const std::string& key_path,
                                SourceLocation where) {
  PlaceholderScan scan = scanPlaceholders(text);
  bool clean = scan.problems.empty();
  for (auto& problem : scan.problems) {
    error(where, key_path, std::move(problem));
  }
  for (const auto& placeholder : scan.placeholders) {
    if (placeholder.kind != Placeholder::Kind::Env) {
      continue;
    }
    if (!env_ || !env_(placeholder.name)) {
      error(where, key_path,
            "environment variable " + placeholder.name + " is not set (used as ${env." +
                placeholder.name + "})");
      clean = false;
    }
  }
  return clean;
}

bool Decoder::placeholdersResolvable(std::string_view text) const {
  PlaceholderScan scan = scanPlaceholders(text);
  if (!scan.problems.empty()) {
    return false;
  }
  for (const auto& placeholder : scan.placeholders) {
    if (placeholder.kind == Placeholder::Kind::Env && (!env_ || !env_(placeholder.name))) {
      return false;
    }
  }
  return true;
}

TableReader::TableReader(Decoder& decoder, const toml::table& table, std::string path)
    : decoder_(decoder), table_(table), path_(std::move(path)) {}

std::string TableReader::pathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

SourceLocation TableReader::headerLocation() const { return decoder_.locate(table_.source()); }

bool TableReader::has(std::string_view key) const { return table_.contains(key); }

const toml::key* TableReader::keyOf(std::string_view key) const {
  auto it = table_.find(key);
  return it == table_.end() ? nullptr : &it->first;
}

SourceLocation TableReader::locationOf(std::string_view key) const {
  const toml::key* found = keyOf(key);
  return found ? decoder_.locate(found->source()) : headerLocation();
}

void TableReader::error(std::string_view key, std::string message) {
  decoder_.error(locationOf(key), pathOf(key), std::move(message));
}

void TableReader::missing(std::string_view key, std::string_view why) {
  std::string message = "missing required key";
  if (!why.empty()) {
    message += " (" + std::string(why) + ")";
  }
  decoder_.error(headerLocation(), pathOf(key), std::move(message));
}

void TableReader::typeError(std::string_view key, std::string_view expected,
                            const toml::node& got) {
  error(key, "expected " + std::string(expected) + ", got " + describe(got));
}

const toml::node* TableReader::node(std::string_view key, Need need) {
  consume(key);
  const toml::node* found = table_.get(key);
  if (!found && need == Need::Required) {
    missing(key);
  }
  return found;
}

std::optional<std::string> TableReader::rawString(std::string_view key, Need need) {
  const toml::node* found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  if (!found->is_string()) {
    typeError(key, "a string", *found);
    return std::nullopt;
  }
  return found->as_string()->get();
}

std::optional<std::string> TableReader::string(std::string_view key, Need need) {
  auto text = rawString(key, need);
  if (text) {
    decoder_.checkPlaceholders(*text, pathOf(key), locationOf(key));
  }
  return text;
}

void TableReader::invalidChoice(std::string_view key, const std::string& text,
                                const std::vector<std::string>& names) {
  auto match = closestMatch(text, names);
  if (match) {
    error(key, "invalid value " + quote(text) + " (did you mean '" + *match + "'?)");
  } else {
    error(key, "invalid value " + quote(text) + " (expected " + listChoices(names) + ")");
  }
}

std::optional<std::chrono::nanoseconds> TableReader::duration(std::string_view key, Need need) {
  const toml::node* found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  if (!found->is_string()) {
    typeError(key, "a duration like \"10s\"", *found);
    return std::nullopt;
  }
  const std::string& text = found->as_string()->get();
  auto parsed = parseDuration(text);
  // A negative result can only be an overflow inside parseDuration; treat it as unreadable.
  if (!parsed || parsed->count() < 0) {
    error(key, "invalid duration " + quote(text) +
                   " (a number and a unit: ns, us, ms, s, m, h or d, like \"1m30s\")");
    return std::nullopt;
  }
  return parsed;
}

std::optional<std::chrono::nanoseconds> TableReader::signedDuration(std::string_view key,
                                                                    Need need) {
  const toml::node* found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  if (!found->is_string()) {
    typeError(key, "a duration like \"10s\" or \"-10s\"", *found);
    return std::nullopt;
  }
  // A leading '+' too: the spec writes skews as "-2h" and "+30m".
  auto parsed = parseSignedDuration(found->as_string()->get());
  if (!parsed) {
    error(key, "invalid duration " + quote(found->as_string()->get()) +
                   " (a sign, a number and a unit: ns, us, ms, s, m, h or d, like \"-1m30s\" "
                   "or \"+30m\")");
    return std::nullopt;
  }
  return *parsed;
}

std::optional<uint64_t> TableReader::size(std::string_view key, Need need) {
  const toml::node* found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  if (!found->is_string()) {
    typeError(key, "a size like \"256MiB\"", *found);
    return std::nullopt;
  }
  const std::string& text = found->as_string()->get();
  auto parsed = parseSize(text);
  if (!parsed) {
    error(key, "invalid size " + quote(text) +
                   " (a number and a unit: B, KB, MB, GB, KiB, MiB, GiB or TiB, like \"256MiB\")");
  }
  return parsed;
}

std::optional<uint64_t> TableReader::byteRate(std::string_view key, Need need) {
  const toml::node* found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  if (!found->is_string()) {
    typeError(key, "a byte rate like \"64KiB/s\"", *found);
    return std::nullopt;
  }
  const std::string& text = found->as_string()->get();
  auto parsed = parseByteRate(text);
  if (!parsed) {
    error(key, "invalid byte rate " + quote(text) + " (a size per second, like \"64KiB/s\")");
  }
  return parsed;
}

std::optional<int64_t> TableReader::integer(std::string_view key, Need need) {
  const toml::node* found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  if (!found->is_integer()) {
    typeError(key, "an integer", *found);
    return std::nullopt;
  }
  return found->as_integer()->get();
}

std::optional<double> TableReader::number(std::string_view key, Need need) {
  const toml::node* found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  if (found->is_integer()) {
    return static_cast<double>(found->as_integer()->get());
  }
  if (!found->is_floating_point()) {
    typeError(key, "a number", *found);
    return std::nullopt;
  }
  const double value = found->as_floating_point()->get();
  if (!std::isfinite(value)) {
    typeError(key, "a finite number", *found);
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<std::string>> TableReader::stringArray(std::string_view key, Need need) {
  const toml::node* found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  const toml::array* array = found->as_array();
  if (!array) {
    typeError(key, "an array of strings", *found);
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const std::string element_path = pathOf(key) + "[" + std::to_string(i) + "]";
    const SourceLocation where = decoder_.locate(element.source());
    if (!element.is_string()) {
      decoder_.error(where, element_path, "expected a string, got " + describe(element));
      ok = false;
      continue;
    }
    out.push_back(element.as_string()->get());
    decoder_.checkPlaceholders(out.back(), element_path, where);
  }
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<TableReader::Entry>> TableReader::stringTable(std::string_view key,
                                                                        Need need) {
  const toml::node* found = node(key, need);
  if (!found) {
    return std::nullopt;
  }
  const toml::table* table = found->as_table();
  if (!table) {
    typeError(key, "a table of strings", *found);
    return std::nullopt;
  }
  std::vector<Entry> out;
  bool ok = true;
  for (auto&& [entry_key, value] : *table) {
    Entry entry;
    entry.key = std::string(entry_key.str());
    entry.path = pathOf(key) + "." + entry.key;
    entry.where = decoder_.locate(entry_key.source());
    if (!value.is_string()) {
      decoder_.error(entry.where, entry.path, "expected a string, got " + describe(value));
      ok = false;
      continue;
    }
    entry.value = value.as_string()->get();
    decoder_.checkPlaceholders(entry.value, entry.path, entry.where);
    out.push_back(std::move(entry));
  }
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

void TableReader::finish(const std::vector<std::string>& valid) {
  for (auto&& [key, value] : table_) {
    if (consumed_.count(key.str()) > 0) {
      continue;
    }
    decoder_.error(decoder_.locate(key.source()), pathOf(key.str()),
                   "unknown key" + didYouMean(key.str(), valid));
  }
}

}  // namespace outrider::scenarios::detail
