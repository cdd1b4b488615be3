#include "input_limits.h"

#include <fmt/format.h>

#include <cstdint>
#include <vector>

namespace outrider::scenarios::detail {
namespace {

// Bytes toml++ accepts in a bare key. Anything else except the delimiters below is counted as a
// key byte too while a key is expected: miscounting invalid input only refuses what toml++ would
// reject anyway, while undercounting a valid key would let its depth through.
bool isKeyDelimiter(char c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
    case '=':
    case '.':
    case '#':
    case ',':
    case '[':
    case ']':
    case '{':
    case '}':
    case '"':
    case '\'':
      return true;
    default:
      return false;
  }
}

// The second to fourth bytes of a UTF-8 sequence, which do not start a column.
bool isContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Ends a scalar value (a number, a date, true...).
bool endsScalar(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '#' || c == ',' || c == '[' ||
         c == ']' || c == '{' || c == '}' || c == '"' || c == '\'' || c == '=';
}

class LimitScanner {
 public:
  LimitScanner(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  std::optional<Diagnostic> scan() {
    if (text_.size() > InputLimits::MaxFileBytes) {
      // Located at the first byte past the limit; what comes before it is not judged.
      const std::string_view allowed = text_.substr(0, InputLimits::MaxFileBytes);
      uint32_t line = 1;
      uint32_t column = 1;
      for (char c : allowed) {
        if (c == '\n') {
          ++line;
          column = 1;
        } else if (!isContinuationByte(c)) {
          ++column;
        }
      }
      fail(line, column,
           fmt::format("file is larger than {} bytes (4 MiB), the limit for a scenario",
                       InputLimits::MaxFileBytes));
      return std::move(problem_);
    }
    while (!done()) {
      step();
    }
    return std::move(problem_);
  }

 private:
  enum class Frame : uint8_t { Array, InlineTable };
  // What the next token is, as toml++ would read it.
  enum class Expect : uint8_t { Key, Value, Other };

  bool done() const { return problem_.has_value() || pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  // Moves one byte on, keeping the line, the column (in code points, as toml++ counts) and the
  // line's length in bytes.
  void advance() {
    const char c = text_[pos_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
      line_bytes_ = 0;
      return;
    }
    if (!isContinuationByte(c)) {
      ++column_;
    }
    if (++line_bytes_ > InputLimits::MaxLineBytes && !problem_) {
      fail(line_, 1,
           fmt::format("line is longer than {} bytes, the limit for a scenario line",
                       InputLimits::MaxLineBytes));
    }
  }

  void fail(uint32_t line, uint32_t column, std::string message) {
    problem_ = Diagnostic{SourceLocation{path_, line, column}, "", std::move(message)};
  }

  void step() {
    const char c = peek();
    switch (c) {
      case '\n':
        advance();
        // A new line outside any array starts a key or a table header.
        if (frames_.empty()) {
          expect_ = Expect::Key;
        }
        return;
      case ' ':
      case '\t':
      case '\r':
        advance();
        return;
      case '#':
        while (!done() && peek() != '\n') {
          advance();
        }
        return;
      case '"':
      case '\'':
        if (expect_ == Expect::Key) {
          scanKey(false);
        } else {
          skipString();
          expect_ = Expect::Other;
        }
        return;
      case '[':
        if (frames_.empty() && expect_ == Expect::Key) {
          scanKey(true);
        } else if (expect_ == Expect::Value) {
          open(Frame::Array);
          expect_ = Expect::Value;
        } else {
          advance();
        }
        return;
      case '{':
        if (expect_ == Expect::Value) {
          open(Frame::InlineTable);
          expect_ = Expect::Key;
        } else {
          advance();
        }
        return;
      case ']':
      case '}':
        if (!frames_.empty() && frames_.back() == (c == ']' ? Frame::Array : Frame::InlineTable)) {
          frames_.pop_back();
          expect_ = Expect::Other;
        }
        advance();
        return;
      case ',':
        if (!frames_.empty()) {
          expect_ = frames_.back() == Frame::Array ? Expect::Value : Expect::Key;
        }
        advance();
        return;
      case '=':
        expect_ = Expect::Value;
        advance();
        return;
      default:
        if (expect_ == Expect::Key && c != '.') {
          scanKey(false);
          return;
        }
        // A scalar: its dots and colons are not key parts.
        while (!done() && !endsScalar(peek())) {
          advance();
        }
        if (!done() && peek() == '=') {
          return;  // garbage like `1=`; the '=' is taken by the next step
        }
        expect_ = Expect::Other;
        return;
    }
  }

  void open(Frame frame) {
    if (frames_.size() == InputLimits::MaxNestingDepth) {
      fail(line_, column_,
           fmt::format("arrays and inline tables nested more than {} deep, the limit for a "
                       "scenario",
                       InputLimits::MaxNestingDepth));
      return;
    }
    frames_.push_back(frame);
    advance();
  }

  // A key (`a."b".c`) or, with header, a table header (`[a.b]`, `[[a.b]]`), counting its parts.
  void scanKey(bool header) {
    const uint32_t line = line_;
    const uint32_t column = column_;
    if (header) {
      advance();
      if (peek() == '[') {
        advance();
      }
    }
    size_t parts = 1;
    while (!done()) {
      const char c = peek();
      if (c == '.') {
        if (++parts > InputLimits::MaxKeyParts) {
          fail(line, column,
               fmt::format("{} has more than {} dotted parts, the limit for a scenario key",
                           header ? "table header" : "key", InputLimits::MaxKeyParts));
          return;
        }
        advance();
      } else if (c == '"' || c == '\'') {
        skipString();
      } else if (c == ' ' || c == '\t' || !isKeyDelimiter(c)) {
        advance();
      } else {
        break;
      }
    }
    // After a header only a comment may follow; after a key, '='.
    expect_ = Expect::Other;
  }

  // A basic or literal string, single- or multi-line. An unterminated one ends at its line (or,
  // multi-line, at the end of the text), where toml++ reports it.
  void skipString() {
    const char quote = peek();
    const bool multi_line = peek(1) == quote && peek(2) == quote;
    if (multi_line) {
      for (int i = 0; i < 3; ++i) {
        advance();
      }
    } else {
      advance();
    }
    while (!done()) {
      const char c = peek();
      if (c == '\\' && quote == '"') {
        advance();
        if (!done() && (multi_line || peek() != '\n')) {
          advance();
        }
      } else if (!multi_line && c == '\n') {
        return;
      } else if (c == quote && (!multi_line || (peek(1) == quote && peek(2) == quote))) {
        if (multi_line) {
          // Up to two more quotes belong to the string: `""""` closes after one quote.
          for (int i = 0; i < 3; ++i) {
            advance();
          }
          for (int extra = 0; extra < 2 && !done() && peek() == quote; ++extra) {
            advance();
          }
        } else {
          advance();
        }
        return;
      } else {
        advance();
      }
    }
  }

  std::string_view text_;
  const std::string& path_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  uint32_t column_ = 1;
  size_t line_bytes_ = 0;
  Expect expect_ = Expect::Key;
  std::vector<Frame> frames_;
  std::optional<Diagnostic> problem_;
};

}  // namespace

std::optional<Diagnostic> checkInputLimits(std::string_view text, const std::string& path) {
  return LimitScanner(text, path).scan();
}

}  // namespace outrider::scenarios::detail
