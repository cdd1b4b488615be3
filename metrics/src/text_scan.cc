#include "text_scan.h"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace outrider::metrics {
namespace {

bool equalsIgnoringCase(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) {
    return false;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != lower[i]) {
      return false;
    }
  }
  return true;
}

bool isDecimalChar(char c) {
  return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

}  // namespace

std::string describeByte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (c == ' ') {
    return "a space";
  }
  if (c == '\t') {
    return "a tab";
  }
  if (byte > 0x20 && byte < 0x7f) {
    return fmt::format("'{}'", c);
  }
  return fmt::format("byte 0x{:02x}", byte);
}

std::string printable(std::string_view text) {
  constexpr size_t MaxShown = 64;
  std::string out;
  for (size_t i = 0; i < text.size() && i < MaxShown; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7f) {
      out += text[i];
    } else {
      out += fmt::format("\\x{:02x}", byte);
    }
  }
  if (text.size() > MaxShown) {
    out += "...";
  }
  return out;
}

std::string printable(char c) { return printable(std::string_view(&c, 1)); }

bool validUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t code = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xe0) == 0xc0) {
      length = 2;
      code = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3;
      code = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4;
      code = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) {
      return false;
    }
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) {
        return false;
      }
      code = (code << 6) | (next & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    const uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < min_for_length[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

bool isInfinityWord(std::string_view text) {
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    text.remove_prefix(1);
  }
  return equalsIgnoringCase(text, "inf") || equalsIgnoringCase(text, "infinity");
}

std::optional<double> parseValue(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  if (equalsIgnoringCase(text, "nan")) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (isInfinityWord(text)) {
    return text.front() == '-' ? -std::numeric_limits<double>::infinity()
                               : std::numeric_limits<double>::infinity();
  }
  // Decimal only: no hex floats, no "nan(...)", no leading or trailing junk.
  for (char c : text) {
    if (!isDecimalChar(c)) {
      return std::nullopt;
    }
  }
  std::string_view digits = text;
  if (digits.front() == '+') {
    digits.remove_prefix(1);  // from_chars takes '-' but not '+'
    if (digits.empty() || digits.front() == '-' || digits.front() == '+') {
      return std::nullopt;
    }
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value,
                                         std::chars_format::general);
  if (end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    // Past double's range one way or the other: strtod says which (inf or a denormal/zero).
    const std::string copy(digits);
    errno = 0;
    return std::strtod(copy.c_str(), nullptr);
  }
  if (ec != std::errc()) {
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> parseTimestamp(std::string_view text) {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && text.front() == '-') {
      return std::nullopt;
    }
  }
  if (text.empty()) {
    return std::nullopt;
  }
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace outrider::metrics
