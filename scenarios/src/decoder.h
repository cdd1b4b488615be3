#pragma once

// The loader's Decoder: it reads toml++ tables into typed values while tracking each key's path
// ("fault[1].duration") and source position, and collects every problem instead of stopping.

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outrider/scenarios/loader.h"

namespace outrider::scenarios::detail {

enum class Need { Optional, Required };

// The closest candidate within a small edit distance of word, for "did you mean".
std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "".
std::string didYouMean(std::string_view word, const std::vector<std::string>& candidates);

// "integer 10", "string \"10\"", "an array": what a value was, for "expected X, got Y".
std::string describe(const toml::node& node);

// text in double quotes with escapes, cut after 60 characters so a message stays one line.
std::string quote(std::string_view text);

// "a, b or c" for messages that list the accepted values.
std::string listChoices(const std::vector<std::string>& choices);

class Decoder {
 public:
  Decoder(std::string file, const EnvLookup& env);

  const std::string& file() const { return file_; }
  SourceLocation locate(const toml::source_region& region) const;
  void error(SourceLocation where, std::string key_path, std::string message);
  bool failed() const { return !diagnostics_.empty(); }
  // Every problem, sorted by position.
  std::vector<Diagnostic> takeDiagnostics();

  // Reports each malformed or unknown placeholder and each unset ${env.NAME} in text.
  // Returns true when the text has none of those problems.
  bool checkPlaceholders(std::string_view text, const std::string& key_path, SourceLocation where);
  // The same test without reporting: every placeholder is well formed and every variable set.
  bool placeholdersResolvable(std::string_view text) const;
  const EnvLookup& env() const { return env_; }

 private:
  std::string file_;
  EnvLookup env_;
  std::vector<Diagnostic> diagnostics_;
};

// Reads the keys of one table. Each read marks the key as known; finish() reports the rest as
// unknown keys with a suggestion drawn from the valid keys given.
class TableReader {
 public:
  TableReader(Decoder& decoder, const toml::table& table, std::string path);

  Decoder& decoder() { return decoder_; }
  const toml::table& table() const { return table_; }
  const std::string& path() const { return path_; }
  std::string pathOf(std::string_view key) const;
  SourceLocation headerLocation() const;
  bool has(std::string_view key) const;
  // The key's own position, or the table header's when the key is absent.
  SourceLocation locationOf(std::string_view key) const;
  void error(std::string_view key, std::string message);
  // Reported at the table's header, where the key should have been.
  void missing(std::string_view key, std::string_view why = {});
  // Marks a key as handled without reading it.
  void consume(std::string_view key) { consumed_.insert(std::string(key)); }

  // The raw value, or null (reporting a missing required key).
  const toml::node* node(std::string_view key, Need need = Need::Optional);

  std::optional<std::string> string(std::string_view key, Need need = Need::Optional);
  // A string whose ${...} are not the scenario's placeholders (load.path: the generator's own).
  std::optional<std::string> literalString(std::string_view key, Need need = Need::Optional) {
    return rawString(key, need);
  }
  std::optional<std::chrono::nanoseconds> duration(std::string_view key,
                                                   Need need = Need::Optional);
  // Like duration() but also accepts a leading '-' ("-5m").
  std::optional<std::chrono::nanoseconds> signedDuration(std::string_view key,
                                                         Need need = Need::Optional);
  std::optional<uint64_t> size(std::string_view key, Need need = Need::Optional);
  std::optional<uint64_t> byteRate(std::string_view key, Need need = Need::Optional);
  std::optional<int64_t> integer(std::string_view key, Need need = Need::Optional);
  // An integer or a finite float.
  std::optional<double> number(std::string_view key, Need need = Need::Optional);
  std::optional<std::vector<std::string>> stringArray(std::string_view key,
                                                      Need need = Need::Optional);
  // An inline or standard table whose values are all strings ([app] env, [load] headers).
  struct Entry {
    std::string key;
    std::string value;
    std::string path;  // "load.headers.Accept"
    SourceLocation where;
  };
  std::optional<std::vector<Entry>> stringTable(std::string_view key, Need need = Need::Optional);

  // One of a fixed set of strings; a near miss gets "did you mean".
  template <class E>
  std::optional<E> choice(std::string_view key,
                          const std::vector<std::pair<std::string, E>>& choices,
                          Need need = Need::Optional) {
    auto text = rawString(key, need);
    if (!text) {
      return std::nullopt;
    }
    std::vector<std::string> names;
    for (const auto& [name, value] : choices) {
      if (name == *text) {
        return value;
      }
      names.push_back(name);
    }
    invalidChoice(key, *text, names);
    return std::nullopt;
  }

  // Reports every key not yet read as unknown, suggesting from valid.
  void finish(const std::vector<std::string>& valid);

 private:
  const toml::key* keyOf(std::string_view key) const;
  // A string without the placeholder checks, for keys whose values are fixed words.
  std::optional<std::string> rawString(std::string_view key, Need need);
  void invalidChoice(std::string_view key, const std::string& text,
                     const std::vector<std::string>& names);
  void typeError(std::string_view key, std::string_view expected, const toml::node& got);

  Decoder& decoder_;
  const toml::table& table_;
  std::string path_;
  std::set<std::string, std::less<>> consumed_;
};

}  // namespace outrider::scenarios::detail
