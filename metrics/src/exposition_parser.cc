// The Prometheus text exposition format (0.0.4), scanned byte by byte: see exposition.h for the
// grammar. Each method reads one token of the current line and reports the first problem with
// its column; nothing here can index past a line or recurse.

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <set>
#include <utility>

#include "outrider/metrics/exposition.h"
#include "text_scan.h"

namespace outrider::metrics {
namespace {

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::optional<MetricType> parseType(std::string_view word) {
  std::string lower(word);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  static const std::pair<std::string_view, MetricType> Types[] = {
      {"counter", MetricType::Counter},
      {"gauge", MetricType::Gauge},
      {"histogram", MetricType::Histogram},
      {"summary", MetricType::Summary},
      {"untyped", MetricType::Untyped}};
  for (const auto& [name, type] : Types) {
    if (lower == name) {
      return type;
    }
  }
  return std::nullopt;
}

class ExpositionParser : TextCursor {
 public:
  ExpositionParser(std::string_view text, const ParseLimits& limits)
      : body_(text), limits_(limits) {}

  Result<Exposition> parse() {
    size_t start = 0;
    while (start <= body_.size()) {
      size_t end = body_.find('\n', start);
      if (end == std::string_view::npos) {
        end = body_.size();
      }
      std::string_view line = body_.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);  // CRLF line ends, as some hand-written exporters send
      }
      ++line_no_;
      reset(line);
      if (!parseLine()) {
        return tl::unexpected(*error_);
      }
      if (end == body_.size()) {
        break;
      }
      start = end + 1;
    }
    return std::move(out_);
  }

 private:
  // ---- cursor over the current line --------------------------------------------------------
  uint32_t column() const { return static_cast<uint32_t>(pos_ + 1); }
  // What is at the cursor, for messages: "'x'", "a tab", "the end of the line".
  std::string here() const { return atEnd() ? "the end of the line" : describeByte(input_[pos_]); }

  bool fail(uint32_t column, std::string message) {
    error_ = Error{ErrorCode::InvalidArgument,
                   fmt::format("line {}, column {}: {}", line_no_, column, message),
                   SourceLocation{"", line_no_, column}};
    return false;
  }
  bool fail(std::string message) { return fail(column(), std::move(message)); }

  std::string_view readUntilBlank() {
    const size_t from = pos_;
    while (!atEnd() && !isBlank(input_[pos_])) {
      ++pos_;
    }
    return input_.substr(from, pos_ - from);
  }

  // ---- lines ---------------------------------------------------------------------------------
  bool parseLine() {
    skipBlanks();
    if (atEnd()) {
      return true;
    }
    if (peek() == '#') {
      ++pos_;
      return parseComment();
    }
    return parseSample();
  }

  // "# HELP name text", "# TYPE name type"; anything else after '#' is a comment. As in
  // Prometheus's parser, "# HELP" or "# TYPE" with nothing after the name is no error.
  bool parseComment() {
    skipBlanks();
    const std::string_view keyword = readUntilBlank();
    if (keyword != "HELP" && keyword != "TYPE") {
      return true;
    }
    skipBlanks();
    if (atEnd()) {
      return true;
    }
    const uint32_t name_column = column();
    const std::string_view name = readWhile(isNameChar);
    if (name.empty() || !isNameStart(name.front()) || (!atEnd() && !isBlank(peek()))) {
      return fail(name_column, fmt::format("invalid metric name in {} line", keyword));
    }
    skipBlanks();
    if (keyword == "HELP") {
      return parseHelp(std::string(name), name_column);
    }
    return parseTypeLine(std::string(name), name_column);
  }

  bool parseHelp(std::string name, uint32_t name_column) {
    std::string help;
    while (!atEnd()) {
      const char c = input_[pos_];
      if (c != '\\') {
        help += c;
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= input_.size()) {
        return fail("a '\\' ends the HELP text (escape it as \\\\)");
      }
      const char escaped = input_[pos_ + 1];
      if (escaped == '\\') {
        help += '\\';
      } else if (escaped == 'n') {
        help += '\n';
      } else {
        return fail(fmt::format("invalid escape sequence '\\{}' in HELP text (only \\\\ and \\n)",
                                printable(escaped)));
      }
      pos_ += 2;
    }
    Family& family = out_.families[name];
    if (family.help) {
      return fail(name_column, "second HELP line for metric " + name);
    }
    family.help = std::move(help);
    return true;
  }

  bool parseTypeLine(std::string name, uint32_t name_column) {
    const uint32_t type_column = column();
    const std::string_view word = readUntilBlank();
    if (word.empty()) {
      return true;  // "# TYPE name": no type given, as Prometheus tolerates
    }
    auto type = parseType(word);
    if (!type) {
      return fail(type_column,
                  fmt::format("unknown metric type '{}' (expected counter, gauge, histogram, "
                              "summary or untyped)",
                              printable(word)));
    }
    skipBlanks();
    if (!atEnd()) {
      return fail("unexpected text after the metric type");
    }
    if (typed_.count(name) > 0) {
      return fail(name_column, "second TYPE line for metric " + name);
    }
    if (sampled_families_.count(name) > 0) {
      return fail(name_column, "TYPE line for metric " + name + " after its samples");
    }
    typed_.insert(name);
    out_.families[name].type = *type;
    return true;
  }

  bool parseSample() {
    const uint32_t name_column = column();
    if (!isNameStart(peek())) {
      return fail(fmt::format("expected a metric name, got {}", here()));
    }
    Sample sample;
    sample.name = std::string(readWhile(isNameChar));
    if (!atEnd() && !isBlank(peek()) && peek() != '{') {
      return fail(fmt::format("invalid character {} in metric name", here()));
    }
    skipBlanks();
    if (peek() == '{') {
      ++pos_;
      if (!parseLabels(sample.labels)) {
        return false;
      }
      skipBlanks();
    }
    if (atEnd()) {
      return fail("expected a value after the metric name and labels");
    }
    const uint32_t value_column = column();
    const std::string_view value_text = readUntilBlank();
    auto value = parseValue(value_text);
    if (!value) {
      return fail(value_column,
                  fmt::format("invalid value '{}' (expected a number, NaN, +Inf or -Inf)",
                              printable(value_text)));
    }
    if (std::isinf(*value) && !isInfinityWord(value_text)) {
      return fail(value_column, fmt::format("value '{}' is out of range", printable(value_text)));
    }
    sample.value = *value;
    skipBlanks();
    if (!atEnd()) {
      const uint32_t ts_column = column();
      const std::string_view ts_text = readUntilBlank();
      auto timestamp = parseTimestamp(ts_text);
      if (!timestamp) {
        return fail(ts_column, fmt::format("invalid timestamp '{}' (expected integer milliseconds)",
                                           printable(ts_text)));
      }
      sample.timestamp_ms = *timestamp;
      skipBlanks();
      if (!atEnd()) {
        return fail("unexpected text after the timestamp");
      }
    }
    return addSample(std::move(sample), name_column);
  }

  bool parseLabels(Labels& labels) {
    for (;;) {
      skipBlanks();
      if (peek() == '}') {
        ++pos_;
        break;
      }
      if (labels.size() >= limits_.max_labels_per_sample) {
        return fail(
            fmt::format("more than {} labels on one sample", limits_.max_labels_per_sample));
      }
      const uint32_t label_column = column();
      if (!isLabelStart(peek())) {
        return fail(fmt::format("expected a label name or '}}', got {}", here()));
      }
      Label label;
      label.name = std::string(readWhile(isLabelChar));
      if (label.name == "__name__") {
        return fail(label_column, "label name __name__ is reserved");
      }
      skipBlanks();
      if (peek() != '=') {
        return fail(fmt::format("expected '=' after label name {}, got {}", label.name, here()));
      }
      ++pos_;
      skipBlanks();
      if (peek() != '"') {
        return fail(
            fmt::format("expected '\"' to open the value of label {}, got {}", label.name, here()));
      }
      const uint32_t open_column = column();
      ++pos_;
      if (!readLabelValue(label.value, open_column)) {
        return false;
      }
      if (!validUtf8(label.value)) {
        return fail(open_column, "the value of label " + label.name + " is not valid UTF-8");
      }
      const bool duplicate = std::any_of(labels.begin(), labels.end(), [&](const Label& other) {
        return other.name == label.name;
      });
      if (duplicate) {
        return fail(label_column, "label " + label.name + " appears twice");
      }
      labels.push_back(std::move(label));
      const ListStep step = afterListItem();
      if (step == ListStep::Close) {
        break;
      }
      if (step == ListStep::Other) {
        return fail(fmt::format("expected ',' or '}}' after a label, got {}", here()));
      }
    }
    std::sort(labels.begin(), labels.end(),
              [](const Label& a, const Label& b) { return a.name < b.name; });
    return true;
  }

  bool readLabelValue(std::string& value, uint32_t open_column) {
    for (;;) {
      if (atEnd()) {
        return fail(open_column, "unterminated label value (no closing '\"' on this line)");
      }
      const char c = input_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c != '\\') {
        value += c;
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= input_.size()) {
        return fail(open_column, "unterminated label value (it ends in '\\')");
      }
      const char escaped = input_[pos_ + 1];
      if (escaped == '\\') {
        value += '\\';
      } else if (escaped == '"') {
        value += '"';
      } else if (escaped == 'n') {
        value += '\n';
      } else {
        return fail(
            fmt::format("invalid escape sequence '\\{}' in label value (only \\\\, \\\" and \\n)",
                        printable(escaped)));
      }
      pos_ += 2;
    }
  }

  // The family a sample belongs to, by its name: x_bucket, x_sum and x_count belong to a
  // histogram x, x_sum and x_count to a summary x, any other name to itself.
  std::pair<std::string, const Family*> familyOf(const std::string& name) const {
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (!endsWith(name, suffix)) {
        continue;
      }
      const std::string base = name.substr(0, name.size() - suffix.size());
      auto found = out_.families.find(base);
      if (found == out_.families.end()) {
        continue;
      }
      const MetricType type = found->second.type;
      if (type == MetricType::Histogram || (type == MetricType::Summary && suffix != "_bucket")) {
        return {base, &found->second};
      }
    }
    auto found = out_.families.find(name);
    return {name, found == out_.families.end() ? nullptr : &found->second};
  }

  static const Label* findLabel(const Labels& labels, std::string_view name) {
    for (const auto& label : labels) {
      if (label.name == name) {
        return &label;
      }
    }
    return nullptr;
  }

  bool addSample(Sample sample, uint32_t name_column) {
    if (out_.samples.size() >= limits_.max_samples) {
      return fail(name_column, fmt::format("more than {} samples", limits_.max_samples));
    }
    auto [family_name, family] = familyOf(sample.name);
    if (family != nullptr && family->type == MetricType::Histogram &&
        endsWith(sample.name, "_bucket")) {
      const Label* le = findLabel(sample.labels, "le");
      if (le == nullptr || !parseValue(le->value)) {
        return fail(name_column,
                    "histogram bucket " + sample.name + " needs an 'le' label holding a number");
      }
    }
    if (family != nullptr && family->type == MetricType::Summary && sample.name == family_name) {
      const Label* quantile = findLabel(sample.labels, "quantile");
      if (quantile == nullptr || !parseValue(quantile->value)) {
        return fail(name_column, "summary quantile " + sample.name +
                                     " needs a 'quantile' label holding a number");
      }
    }
    std::string key = seriesKey(sample.name, sample.labels);
    auto [seen, inserted] = series_.emplace(std::move(key), line_no_);
    if (!inserted) {
      return fail(name_column, fmt::format("duplicate series {} (first on line {})",
                                           printable(seen->first), seen->second));
    }
    sampled_families_.insert(std::move(family_name));
    out_.samples.push_back(std::move(sample));
    return true;
  }

  std::string_view body_;
  ParseLimits limits_;
  uint32_t line_no_ = 0;
  std::optional<Error> error_;
  Exposition out_;
  std::set<std::string> typed_;
  std::set<std::string> sampled_families_;
  std::map<std::string, uint32_t> series_;  // key -> line; ordered, so no input can collide
};

}  // namespace

std::string toString(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
    case MetricType::Summary:
      return "summary";
    case MetricType::Untyped:
      return "untyped";
  }
  return "untyped";
}

Result<Exposition> parseExposition(std::string_view text, const ParseLimits& limits) {
  return ExpositionParser(text, limits).parse();
}

std::string seriesKey(std::string_view name, const Labels& labels) {
  std::string key(name);
  if (labels.empty()) {
    return key;
  }
  key += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) {
      key += ',';
    }
    key += labels[i].name;
    key += "=\"";
    for (char c : labels[i].value) {
      if (c == '\\' || c == '"') {
        key += '\\';
        key += c;
      } else if (c == '\n') {
        key += "\\n";
      } else {
        key += c;
      }
    }
    key += '"';
  }
  key += '}';
  return key;
}

}  // namespace outrider::metrics
