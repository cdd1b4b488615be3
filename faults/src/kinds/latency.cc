// latency: each chunk (tcp links) or message (http links) is delivered latency ± jitter after it
// arrived. Evidence: the chunks or messages delayed.

#include <fmt/format.h>

#include <algorithm>

#include "kinds.h"
#include "outrider/common/units.h"
#include "per_chunk_kind.h"

namespace outrider::faults::kinds {
namespace {

using std::chrono::nanoseconds;

class Latency final : public PerChunkKind {
 public:
  using PerChunkKind::PerChunkKind;

 private:
  void onMessageHit(const MessageBegin& message) override {
    message_delay_[static_cast<int>(message.way)] =
        drawDelay(message.way, message.draw, /*link_wide=*/true);
  }

  Effect segmentEffect(const Segment& segment) override {
    return {.delay = http() ? message_delay_[static_cast<int>(segment.way)]
                            : drawDelay(segment.way, segment.chunk, /*link_wide=*/false)};
  }

  // n: a chunk's position on this connection, or (link_wide) a request's number on the link.
  nanoseconds drawDelay(Way way, uint64_t n, bool link_wide) const {
    nanoseconds delay = spec().latency;
    if (spec().jitter.count() > 0) {
      // Toxiproxy's latency ± U[-jitter, +jitter), drawn at the chunk's or request's position.
      const double u = uniform01(purposeSeed(fault().seed, DrawPurpose::Jitter),
                                 mixKeys(link_wide ? 0 : number(), static_cast<uint64_t>(way)), n);
      delay += nanoseconds(
          static_cast<int64_t>((2.0 * u - 1.0) * static_cast<double>(spec().jitter.count())));
    }
    return std::max(delay, nanoseconds(0));
  }

  nanoseconds message_delay_[2] = {};
};

}  // namespace

void registerLatency(FaultRegistry& registry) {
  FaultKindEntry entry =
      linkKindEntry<Latency>(scenarios::FaultKind::Latency,
                             "delay each chunk (tcp) or message (http) by latency ± jitter");
  entry.link_evidence = [](const PlannedFault& fault, bool http_link, const FaultEvidence& e) {
    const auto floor = std::max(fault.spec.latency - fault.spec.jitter, nanoseconds(0));
    return fmt::format("{} of {} {} delayed ≥{}{}", e.injections, e.opportunities,
                       evidenceUnits(fault.spec.direction, http_link), formatDuration(floor),
                       onConnections(e, http_link));
  };
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
