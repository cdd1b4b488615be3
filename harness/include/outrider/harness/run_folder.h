#pragma once

// The run folder (spec/cli.md): runs/<scenario>-<UTC time>[-n]/ with logs/, journal.json and
// every rendering of the journal (report.md, report.html, junit.xml, postmortem.md when one is
// due). The journal is the record; the renderings can always be made again from it
// (`outrider report`).

#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/reports/journal.h"

namespace outrider::harness {

// `requested` (--out) as given, or runs/<scenario>-<now, compact UTC>, with -2, -3 ... when
// that folder exists already (two runs in one second). Creates it and its logs/ folder.
Result<std::string> createRunFolder(const std::string& requested, const std::string& scenario,
                                    SystemTime now);

// journal.json (atomically), then the renderings. An error when the journal could not be
// written; renderings that could not be written are named in the returned list.
Result<std::vector<std::string>> writeRunFolder(const reports::Journal& journal,
                                                const std::string& run_dir);

}  // namespace outrider::harness
