#include "markup_escape.h"

#include <cstdint>

namespace outrider::reports::detail {
namespace {

// XML 1.0 Char production, minus the discouraged C1 controls and DEL: process output quoted in
// evidence must not make the file unreadable to a strict parser.
bool allowedInXml(uint32_t cp) {
  if (cp == 0x9 || cp == 0xA || cp == 0xD) {
    return true;
  }
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
    return false;
  }
  return cp <= 0xD7FF || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// Decodes one UTF-8 sequence at text[i]; returns its length, 0 when malformed.
size_t decodeUtf8(std::string_view text, size_t i, uint32_t& cp) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t len = 0;
  uint32_t min = 0;
  if (lead < 0x80) {
    cp = lead;
    return 1;
  }
  if ((lead >> 5) == 0x6) {
    len = 2;
    cp = lead & 0x1F;
    min = 0x80;
  } else if ((lead >> 4) == 0xE) {
    len = 3;
    cp = lead & 0x0F;
    min = 0x800;
  } else if ((lead >> 3) == 0x1E) {
    len = 4;
    cp = lead & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size()) {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (next & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

}  // namespace

std::string escapeMarkup(std::string_view text, MarkupUse use) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    const size_t len = decodeUtf8(text, i, cp);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for a malformed byte
      ++i;
      continue;
    }
    if (allowedInXml(cp)) {
      switch (cp) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        case '\r':
          out += "&#13;";
          break;
        case '\n':
          out += use == MarkupUse::Attribute ? "&#10;" : "\n";
          break;
        case '\t':
          out += use == MarkupUse::Attribute ? "&#9;" : "\t";
          break;
        default:
          out.append(text.substr(i, len));
      }
    }
    i += len;
  }
  return out;
}


}  // namespace outrider::reports::detail
