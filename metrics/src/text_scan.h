#pragma once

// Small scanning helpers shared by the exposition and selector parsers.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace outrider::metrics {

inline bool isBlank(char c) { return c == ' ' || c == '\t'; }

// Metric and label names as the exposition format and PromQL define them.
inline bool isNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
inline bool isNameChar(char c) { return isNameStart(c) || (c >= '0' && c <= '9'); }
inline bool isLabelStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool isLabelChar(char c) { return isLabelStart(c) || (c >= '0' && c <= '9'); }

// One byte as an error message shows it: "'x'", "a space", "a tab", "byte 0x07".
std::string describeByte(char c);

// Text from the input as an error message shows it: bytes outside printable ASCII as \xNN, and
// at most 64 bytes of it ("..." after), so a hostile input cannot make a message huge or garbled.
std::string printable(std::string_view text);
std::string printable(char c);

bool validUtf8(std::string_view text);

// A sample value as Go's strconv.ParseFloat reads it (which Prometheus uses): decimal numbers
// with an optional sign and exponent, and NaN, Inf, +Inf, -Inf, Infinity in any case. nullopt
// for anything else. Overflow ("1e999") gives an infinity; isInfinityWord tells it from +Inf.
std::optional<double> parseValue(std::string_view text);
bool isInfinityWord(std::string_view text);

// An integer of milliseconds with an optional sign; nullopt outside int64.
std::optional<int64_t> parseTimestamp(std::string_view text);

// A cursor over one piece of text, a line of an exposition or a selector: the steps both
// parsers take through it.
class TextCursor {
 protected:
  // Where an item of a `{...}` list leaves off: a ',' (another item follows) or the '}' that
  // ends the list, consumed; Other leaves the cursor on what stands there instead.
  enum class ListStep { Next, Close, Other };

  void reset(std::string_view input) {
    input_ = input;
    pos_ = 0;
  }
  bool atEnd() const { return pos_ >= input_.size(); }
  char peek() const { return atEnd() ? '\0' : input_[pos_]; }
  void skipBlanks() {
    while (!atEnd() && isBlank(input_[pos_])) {
      ++pos_;
    }
  }
  std::string_view readWhile(bool (*pred)(char)) {
    const size_t from = pos_;
    while (!atEnd() && pred(input_[pos_])) {
      ++pos_;
    }
    return input_.substr(from, pos_ - from);
  }
  // Past blanks, after an item of a `{...}` list.
  ListStep afterListItem() {
    skipBlanks();
    const char c = peek();
    if (c == ',' || c == '}') {
      ++pos_;
      return c == ',' ? ListStep::Next : ListStep::Close;
    }
    return ListStep::Other;
  }

  std::string_view input_;
  size_t pos_ = 0;
};

}  // namespace outrider::metrics
