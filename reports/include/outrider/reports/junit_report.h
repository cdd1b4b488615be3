#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "outrider/reports/journal.h"

namespace outrider::reports {

// junit.xml: the run as JUnit XML for CI test reporters (GitLab, Jenkins, GitHub). One
// <testsuite name="outrider.<scenario>"> holds:
// - one testcase per SLO (classname "slo"): <failure> when not met, <skipped> when inconclusive;
// - one per gate finding (classname "gate"): <failure> when it fails the gate, passed with the
//   detail in <system-out> when it is not in fail_on;
// - "run.validity" (classname "run"): <error> when the verdict is invalid or the harness failed;
// - one per fault (classname "fault"): <failure> when it did not take effect.
// The run's duration is carried by run.validity, so the suite's time is the sum of its cases'.
// Every string is escaped, and characters XML 1.0 forbids (control characters) are dropped.
std::string renderJunit(const Journal& journal);

// The same for several runs (outrider gate): one <testsuites> with one <testsuite> per journal,
// in order, totals summed. A scenario seen again gets a "#2", "#3" suffix on its suite name.
std::string renderJunitSuites(const std::vector<Journal>& journals);

// Escapes text for XML 1.0 character data and attribute values: &<>"' become entities, tab, CR
// and LF become character references, forbidden characters are dropped and malformed UTF-8
// becomes U+FFFD. Exposed for tests.
std::string escapeXml(std::string_view text);

}  // namespace outrider::reports
