#pragma once

// A metric selector, as a ratio SLI names its good, bad and total events: PromQL's instant vector
// selector without offsets or ranges,
//
//   metric_name [ "{" matcher { "," matcher } [ "," ] "}" ]      or    "{" matcher, ... "}"
//   matcher = label_name ( "=" | "!=" | "=~" | "!~" ) string
//
// with strings in double quotes, single quotes (escapes \\ \" \' \n \t \r) or backticks (raw).
// As in PromQL, a label a series lacks has the value "", regular expressions are anchored at both
// ends, and the metric name is the label __name__ (so `{__name__=~"x_.*"}` is a selector). The
// regular expressions are Perl-like (Boost.Regex): PromQL's RE2 syntax for everything selectors
// usually hold; Boost's matcher bounds its work, so no pattern and no label value can make it
// run away.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outrider/common/result.h"
#include "outrider/metrics/exposition.h"

namespace outrider::metrics {

enum class MatchOp { Equal, NotEqual, Regex, NotRegex };

class Selector {
 public:
  // InvalidArgument with "column C: what" (and `where` at that column of the text) for a
  // malformed selector or regular expression. A selector must name its metric, by name or by a
  // __name__ matcher that does not match the empty string.
  static Result<Selector> parse(std::string_view text);

  // Does the sample belong to the selection? Never throws: a regular expression that exceeds
  // its matching budget counts as no match and is counted in matchErrors().
  bool matches(const Sample& sample) const;

  struct Evaluation {
    std::vector<const Sample*> samples;  // the selected samples, pointing into the exposition
    double sum = 0;                      // of their values (NaN if one is NaN)
    size_t match_errors = 0;             // samples a regular expression could not decide
  };
  // The samples of one scrape that the selector selects. The result points into `exposition`.
  Evaluation evaluate(const Exposition& exposition) const;

  // The text it was parsed from, trimmed of surrounding blanks.
  const std::string& text() const { return text_; }
  // The metric name it selects by (empty when only a regular expression names it).
  const std::string& metricName() const { return name_; }

  struct Matcher;

 private:
  Selector() = default;
  // true or false, or nullopt when a regular expression could not decide.
  std::optional<bool> evaluateOne(const Sample& sample) const;

  std::string text_;
  std::string name_;
  std::vector<std::shared_ptr<const Matcher>> matchers_;
};

}  // namespace outrider::metrics
