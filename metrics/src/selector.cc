#include "outrider/metrics/selector.h"

#include <fmt/format.h>

#include <optional>
#include <stdexcept>
#include <utility>

#include <boost/regex.hpp>

#include "text_scan.h"

namespace outrider::metrics {

struct Selector::Matcher {
  std::string label;
  MatchOp op = MatchOp::Equal;
  std::string value;
  std::optional<boost::regex> regex;  // =~ and !~, anchored by regex_match

  // nullopt when the regular expression gave up (its complexity bound).
  std::optional<bool> test(std::string_view subject) const {
    switch (op) {
      case MatchOp::Equal:
        return subject == value;
      case MatchOp::NotEqual:
        return subject != value;
      case MatchOp::Regex:
      case MatchOp::NotRegex:
        try {
          const bool matched = boost::regex_match(subject.begin(), subject.end(), *regex);
          return op == MatchOp::Regex ? matched : !matched;
        } catch (const std::exception&) {
          return std::nullopt;
        }
    }
    return false;
  }
};

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && isBlank(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && isBlank(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

class SelectorParser : TextCursor {
 public:
  explicit SelectorParser(std::string_view text) { reset(text); }

  // Fills name and matchers; false with error() set on the first problem.
  bool parse(std::string& name, std::vector<Selector::Matcher>& matchers) {
    if (input_.empty()) {
      return fail("empty selector (expected a metric name like \"http_requests_total\")");
    }
    if (isNameStart(peek())) {
      name = std::string(readWhile(isNameChar));
      skipBlanks();
    } else if (peek() != '{') {
      return fail(fmt::format("expected a metric name or '{{', got {}", here()));
    }
    if (peek() == '{') {
      ++pos_;
      if (!parseMatchers(matchers)) {
        return false;
      }
      skipBlanks();
    }
    if (!atEnd()) {
      return fail(fmt::format("unexpected {} after the selector", here()));
    }
    return true;
  }

  // Where (0-based) and what the first problem was.
  size_t errorAt() const { return error_at_; }
  const std::string& errorMessage() const { return error_; }

 private:
  std::string here() const { return atEnd() ? "the end" : describeByte(input_[pos_]); }
  bool fail(size_t at, std::string message) {
    error_at_ = at;
    error_ = std::move(message);
    return false;
  }
  bool fail(std::string message) { return fail(pos_, std::move(message)); }

  bool parseMatchers(std::vector<Selector::Matcher>& matchers) {
    for (;;) {
      skipBlanks();
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      if (!isLabelStart(peek())) {
        return fail(fmt::format("expected a label name or '}}', got {}", here()));
      }
      Selector::Matcher matcher;
      matcher.label = std::string(readWhile(isLabelChar));
      skipBlanks();
      const std::string_view rest = input_.substr(pos_);
      if (rest.substr(0, 2) == "=~") {
        matcher.op = MatchOp::Regex;
        pos_ += 2;
      } else if (rest.substr(0, 2) == "!~") {
        matcher.op = MatchOp::NotRegex;
        pos_ += 2;
      } else if (rest.substr(0, 2) == "!=") {
        matcher.op = MatchOp::NotEqual;
        pos_ += 2;
      } else if (rest.substr(0, 1) == "=") {
        matcher.op = MatchOp::Equal;
        pos_ += 1;
      } else {
        return fail(fmt::format("expected '=', '!=', '=~' or '!~' after label {}, got {}",
                                matcher.label, here()));
      }
      skipBlanks();
      const size_t value_at = pos_;
      if (!parseString(matcher.value)) {
        return false;
      }
      if (matcher.op == MatchOp::Regex || matcher.op == MatchOp::NotRegex) {
        try {
          matcher.regex.emplace(matcher.value, boost::regex::perl);
        } catch (const std::exception& e) {
          // Boost's message, less the sentence that repeats the pattern.
          std::string why = e.what();
          why = why.substr(0, why.find("  The error occurred"));
          return fail(value_at, fmt::format("invalid regular expression \"{}\": {}",
                                            printable(matcher.value), why));
        }
      }
      matchers.push_back(std::move(matcher));
      const ListStep step = afterListItem();
      if (step == ListStep::Close) {
        return true;
      }
      if (step == ListStep::Other) {
        return fail(fmt::format("expected ',' or '}}' after a matcher, got {}", here()));
      }
    }
  }

  bool parseString(std::string& out) {
    const char quote = peek();
    if (quote != '"' && quote != '\'' && quote != '`') {
      return fail(fmt::format("expected a quoted string, got {}", here()));
    }
    const size_t open = pos_;
    ++pos_;
    for (;;) {
      if (atEnd()) {
        return fail(open, "unterminated string");
      }
      const char c = input_[pos_];
      if (c == quote) {
        ++pos_;
        return true;
      }
      if (c != '\\' || quote == '`') {
        out += c;
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= input_.size()) {
        return fail(open, "unterminated string (it ends in '\\')");
      }
      const char escaped = input_[pos_ + 1];
      switch (escaped) {
        case '\\':
        case '"':
        case '\'':
          out += escaped;
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        default:
          return fail(
              fmt::format("invalid escape sequence '\\{}' (use \\\\, \\\", \\', \\n, \\t or \\r; a "
                          "regular expression's backslash is written \\\\)",
                          printable(escaped)));
      }
      pos_ += 2;
    }
  }

  size_t error_at_ = 0;
  std::string error_;
};

Error selectorError(size_t at, const std::string& message) {
  const auto column = static_cast<uint32_t>(at + 1);
  return Error{ErrorCode::InvalidArgument, fmt::format("column {}: {}", column, message),
               SourceLocation{"", 1, column}};
}

}  // namespace

Result<Selector> Selector::parse(std::string_view text) {
  const std::string_view trimmed = trim(text);
  // Columns count from the text as given, not as trimmed.
  const size_t offset = static_cast<size_t>(trimmed.data() - text.data());
  SelectorParser parser(trimmed);
  std::string name;
  std::vector<Matcher> matchers;
  if (!parser.parse(name, matchers)) {
    return tl::unexpected(selectorError(offset + parser.errorAt(), parser.errorMessage()));
  }
  bool named = !name.empty();
  for (const auto& matcher : matchers) {
    if (matcher.label == "__name__" && matcher.test("") == false) {
      named = true;
    }
  }
  if (!named) {
    return tl::unexpected(selectorError(offset,
                                        "a selector must name its metric (a metric "
                                        "name, or a __name__ matcher that does not "
                                        "match the empty string)"));
  }
  Selector selector;
  selector.text_ = std::string(trimmed);
  selector.name_ = std::move(name);
  for (auto& matcher : matchers) {
    selector.matchers_.push_back(std::make_shared<const Matcher>(std::move(matcher)));
  }
  return selector;
}

bool Selector::matches(const Sample& sample) const { return evaluateOne(sample).value_or(false); }

std::optional<bool> Selector::evaluateOne(const Sample& sample) const {
  if (!name_.empty() && sample.name != name_) {
    return false;
  }
  for (const auto& matcher : matchers_) {
    std::string_view subject;
    if (matcher->label == "__name__") {
      subject = sample.name;
    } else {
      for (const auto& label : sample.labels) {
        if (label.name == matcher->label) {
          subject = label.value;
          break;
        }
      }
    }
    auto passed = matcher->test(subject);
    if (!passed) {
      return std::nullopt;
    }
    if (!*passed) {
      return false;
    }
  }
  return true;
}

Selector::Evaluation Selector::evaluate(const Exposition& exposition) const {
  Evaluation out;
  for (const auto& sample : exposition.samples) {
    auto selected = evaluateOne(sample);
    if (!selected) {
      ++out.match_errors;
    } else if (*selected) {
      out.sum += sample.value;
      out.samples.push_back(&sample);
    }
  }
  return out;
}

}  // namespace outrider::metrics
