#pragma once

#include <string>

#include "outrider/reports/journal.h"

namespace outrider::reports {

// report.md: what ran, the load accounting, each process's starts and exits, and the timeline.
std::string renderMarkdown(const Journal& journal);

}  // namespace outrider::reports
