#pragma once

// The run folder (spec/cli.md): runs/<scenario>-<UTC time>[-n]/ with logs/, journal.json and
// every rendering of the journal (report.md, report.html, junit.xml, postmortem.md when one is
// due). The journal is the record; the renderings can always be made again from it
// (`outrider report`).

#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/reports/canary_report.h"
#include "outrider/reports/journal.h"

namespace outrider::harness {

// `requested` (--out) as given, or runs/<scenario>-<now, compact UTC>, with -2, -3 ... when
// that folder exists already (two runs in one second). Creates it and its logs/ folder.
Result<std::string> createRunFolder(const std::string& requested, const std::string& scenario,
                                    SystemTime now);
// The same for any folder: `requested`, or runs/<name>-<now>[-n], created with `inner` inside.
Result<std::string> createFolder(const std::string& requested, const std::string& name,
                                 SystemTime now, const std::string& inner);

// journal.json (atomically), then the renderings. An error when the journal could not be
// written; renderings that could not be written are named in the returned list.
Result<std::vector<std::string>> writeRunFolder(const reports::Journal& journal,
                                                const std::string& run_dir);

// A canary's folder (spec/cli.md): canary.json, canary.md, canary.html and junit.xml beside the
// runs/ it holds. The paths that could not be written, in the order tried.
std::vector<std::string> writeCanaryFolder(const reports::CanaryReport& report,
                                           const std::vector<reports::Journal>& baseline,
                                           const std::vector<reports::Journal>& candidate,
                                           const std::string& dir);

}  // namespace outrider::harness
