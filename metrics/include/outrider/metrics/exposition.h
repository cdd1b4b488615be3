#pragma once

// One scrape in the Prometheus text exposition format (version 0.0.4) as data, and its parser.
//
// The grammar is the one Prometheus's own text parser (common/expfmt) accepts: a line is empty,
// a comment, `# HELP name text`, `# TYPE name type` or a sample
//
//   metric_name [ "{" label_name "=" "value" { "," label_name "=" "value" } [ "," ] "}" ]
//       value [ timestamp_ms ]
//
// with blanks (spaces, tabs) between tokens, label values escaped with \\, \" and \n, values as
// Go's ParseFloat reads them (NaN, +Inf, -Inf included) and an optional integer timestamp in
// milliseconds. The parser is a hand-written scanner over the bytes, not regular expressions
// over lines: every malformed input is an error naming its line and column, never a crash, and
// its work is linear in the input (series are deduplicated through an ordered set).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outrider/common/result.h"

namespace outrider::metrics {

enum class MetricType { Untyped, Counter, Gauge, Histogram, Summary };

// "untyped", "counter", "gauge", "histogram", "summary": as a TYPE line spells them.
std::string toString(MetricType type);

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
};

// Sorted by name; names are unique within one set.
using Labels = std::vector<Label>;

struct Sample {
  std::string name;  // the sample's own name: "x_bucket", "x_sum" for a histogram x
  Labels labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;
};

// What the TYPE and HELP lines said about one metric family.
struct Family {
  MetricType type = MetricType::Untyped;
  std::optional<std::string> help;
};

struct Exposition {
  std::vector<Sample> samples;             // in the order of the text
  std::map<std::string, Family> families;  // by family name, from TYPE and HELP lines

  // The number of series (distinct name and label set) of the scrape.
  size_t seriesCount() const { return samples.size(); }
};

// Bounds a hostile endpoint cannot push the parser past; each one reached is an error.
struct ParseLimits {
  size_t max_samples = 1'000'000;
  size_t max_labels_per_sample = 256;
};

// Parses a whole scrape. InvalidArgument with "line L, column C: what" (and `where` set to that
// position, without a file) for the first problem; nothing of a malformed scrape is kept, as
// Prometheus drops a scrape that does not parse.
Result<Exposition> parseExposition(std::string_view text, const ParseLimits& limits = {});

// The canonical text of a series, `name{a="1",b="2"}` with the labels in name order and values
// escaped as in the exposition format: a key for maps and the journal.
std::string seriesKey(std::string_view name, const Labels& labels);

}  // namespace outrider::metrics
