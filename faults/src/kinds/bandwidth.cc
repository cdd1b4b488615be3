// bandwidth: the stream is paced to `rate` bytes per second (the session writes a piece every
// 1/20 s). Evidence: the chunks or messages paced, and their bytes.

#include <fmt/format.h>

#include "../text.h"
#include "kinds.h"
#include "per_chunk_kind.h"

namespace outrider::faults::kinds {
namespace {

class Bandwidth final : public PerChunkKind {
 public:
  using PerChunkKind::PerChunkKind;

 private:
  Effect segmentEffect(const Segment& segment) override {
    (void)segment;
    return {.pace_rate = spec().rate_bytes_per_s};
  }
};

}  // namespace

void registerBandwidth(FaultRegistry& registry) {
  FaultKindEntry entry = linkKindEntry<Bandwidth>(scenarios::FaultKind::Bandwidth,
                                                  "pace the stream to rate bytes per second");
  entry.link_evidence = [](const PlannedFault& fault, bool http_link, const FaultEvidence& e) {
    return fmt::format(
        "{} of {} {} ({}) paced to {}/s{}", e.injections, e.opportunities,
        evidenceUnits(fault.spec.direction, http_link), detail::formatBytes(e.bytes_affected),
        detail::formatBytes(fault.spec.rate_bytes_per_s), onConnections(e, http_link));
  };
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
