// slicer: each chunk or message goes out in slices of average_size ± size_variation bytes,
// `delay` apart (Toxiproxy's slicer). Evidence: the chunks or messages sliced, and their bytes.

#include <fmt/format.h>

#include <algorithm>

#include "../text.h"
#include "kinds.h"
#include "per_chunk_kind.h"

namespace outrider::faults::kinds {
namespace {

class Slicer final : public PerChunkKind {
 public:
  using PerChunkKind::PerChunkKind;

 private:
  Effect segmentEffect(const Segment& segment) override {
    SliceSpec slice;
    slice.average = std::max<uint64_t>(1, spec().average_size);
    slice.variation = std::min(spec().size_variation, slice.average - 1);
    slice.delay = spec().delay;
    slice.seed = purposeSeed(fault().seed, DrawPurpose::SliceSize);
    slice.stream = mixKeys(mixKeys(number(), static_cast<uint64_t>(segment.way)), segment.chunk);
    return {.slice = slice};
  }
};

}  // namespace

void registerSlicer(FaultRegistry& registry) {
  FaultKindEntry entry = linkKindEntry<Slicer>(
      scenarios::FaultKind::Slicer,
      "cut the stream into slices of average_size ± size_variation, `delay` apart");
  entry.link_evidence = [](const PlannedFault& fault, bool http_link, const FaultEvidence& e) {
    return fmt::format("{} of {} {} ({}) cut into {} slices{}", e.injections, e.opportunities,
                       evidenceUnits(fault.spec.direction, http_link),
                       detail::formatBytes(e.bytes_affected),
                       detail::formatBytes(fault.spec.average_size), onConnections(e, http_link));
  };
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
