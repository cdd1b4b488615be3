#pragma once

// Small text helpers shared by the messages of every module.

#include <string>
#include <string_view>

namespace outrider {

// "text" in double quotes, as messages show a value. Built by appends: GCC 12 warns falsely
// (-Wrestrict) about "\"" + std::string.
inline std::string inQuotes(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  out.append(text);
  out += '"';
  return out;
}

}  // namespace outrider
