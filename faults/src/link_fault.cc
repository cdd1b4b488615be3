#include "outrider/faults/link_fault.h"

#include <fmt/format.h>

#include "outrider/faults/registry.h"

namespace outrider::faults {

std::string describeEvidence(const PlannedFault& fault, bool http_link,
                             const FaultEvidence& counts) {
  if (!counts.error.empty()) {
    return counts.error;
  }
  // Each kind words its own evidence (faults/src/kinds/<kind>.cc).
  const FaultKindEntry* entry = registry().find(fault.spec.kindName());
  if (entry != nullptr && entry->link_evidence) {
    return entry->link_evidence(fault, http_link, counts);
  }
  return fmt::format("{} injections", counts.injections);
}

}  // namespace outrider::faults
