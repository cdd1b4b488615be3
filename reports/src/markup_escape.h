#pragma once

// The one escaper for the reports' markup (HTML and JUnit XML): &, <, >, " and ' as entities,
// malformed UTF-8 as U+FFFD, and characters XML 1.0 forbids (NUL, most C0 and C1 controls)
// dropped, so process output quoted in evidence never breaks a strict parser or a page.

#include <string>
#include <string_view>

namespace outrider::reports::detail {

enum class MarkupUse {
  Text,       // character data: tab and LF stay as they are, so bodies read as lines
  Attribute,  // attribute values: tab and LF as character references, which survive parsing
};

std::string escapeMarkup(std::string_view text, MarkupUse use);

}  // namespace outrider::reports::detail
