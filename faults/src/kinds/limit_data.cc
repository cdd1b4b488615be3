// limit-data: the connection is closed once `bytes` went through in the fault's direction
// (each way counts its own). Evidence: the connections cut, and the bytes cut off.

#include <fmt/format.h>

#include <algorithm>

#include "../text.h"
#include "kinds.h"
#include "link_kind.h"

namespace outrider::faults::kinds {
namespace {

class LimitData final : public LinkKind {
 public:
  using LinkKind::LinkKind;

  Effect onSegment(const Segment& segment) override {
    if (!acts(segment.way) || !connectionHit(/*opportunity=*/true)) {
      return {};
    }
    const uint64_t limit = spec().bytes;
    uint64_t& sent = sent_[static_cast<int>(segment.way)];
    const uint64_t take = std::min(limit - std::min(limit, sent), segment.passing);
    sent += take;
    if (sent < limit) {
      return {};
    }
    count(&FaultCounters::bytes_affected, segment.passing - take);
    if (!cut_) {
      cut_ = true;
      count(&FaultCounters::injections);
      affect();
    }
    return {.pass = take};
  }

 private:
  uint64_t sent_[2] = {0, 0};
  bool cut_ = false;
};

}  // namespace

void registerLimitData(FaultRegistry& registry) {
  FaultKindEntry entry = linkKindEntry<LimitData>(scenarios::FaultKind::LimitData,
                                                  "close the connection after `bytes`");
  entry.link_evidence = [](const PlannedFault& fault, bool http_link, const FaultEvidence& e) {
    (void)http_link;
    return fmt::format("{} of {} connections cut after {}", e.injections, e.opportunities,
                       detail::formatBytes(fault.spec.bytes));
  };
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
