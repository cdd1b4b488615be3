#pragma once

#include <string>

#include "outrider/reports/journal.h"

namespace outrider::reports {

// True when a run deserves a postmortem draft: its verdict is not pass (or it has none) or any
// alert fired.
bool wantsPostmortem(const Journal& journal);

// postmortem.md: a blameless postmortem drafted from the journal in the Google SRE template
// (title, status, summary, impact, detection, trigger and root cause, lessons, action items,
// timeline, supporting information). Facts come from the journal; what needs judgement is left
// as prompts. Deterministic: the same journal renders the same text.
std::string renderPostmortem(const Journal& journal);

}  // namespace outrider::reports
