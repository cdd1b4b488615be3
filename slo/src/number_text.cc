#include "number_text.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace outrider::slo {
namespace {

std::string printNumber(const char* format, int precision, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, precision, value);
  return buffer;
}

}  // namespace

std::string formatAgainst(double value, double bound, bool below) {
  std::string text;
  for (int digits = 3; digits <= 17; ++digits) {
    text = printNumber("%.*g", digits, value);
    const double shown = std::strtod(text.c_str(), nullptr);
    if (below ? shown < bound : shown > bound) {
      break;
    }
  }
  return text;
}

std::string formatNumber(double value) { return printNumber("%.*g", 12, value); }

std::string formatSeconds(double seconds) {
  if (std::floor(seconds) == seconds && std::fabs(seconds) < 1e15) {
    return printNumber("%.*f", 0, seconds) + "s";
  }
  std::string text = printNumber("%.*f", 3, seconds);
  while (text.back() == '0') {
    text.pop_back();
  }
  return text + "s";
}

}  // namespace outrider::slo
