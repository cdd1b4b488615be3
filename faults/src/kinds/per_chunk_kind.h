#pragma once

// The kinds that treat the bytes they act on (latency, bandwidth, slicer): decided per connection
// and counted per chunk on tcp links, decided and counted per request (and its reply) on http
// links. A kind says what it asks for one segment it hits.

#include "link_kind.h"

namespace outrider::faults::kinds {

class PerChunkKind : public LinkKind {
 public:
  using LinkKind::LinkKind;

  Effect onMessageBegin(const MessageBegin& message) final {
    if (!messageAffected(message)) {
      return {};
    }
    onMessageHit(message);
    count(&FaultCounters::injections);
    affect();
    return {};
  }

  Effect onSegment(const Segment& segment) final {
    if (!acts(segment.way)) {
      return {};
    }
    bool hit = false;
    if (http()) {
      hit = messageHit(segment);
    } else {
      hit = connectionHit(/*opportunity=*/false);
      count(&FaultCounters::opportunities);
    }
    if (!hit) {
      return {};
    }
    Effect effect = segmentEffect(segment);
    count(&FaultCounters::bytes_affected, segment.length);
    if (!http()) {
      count(&FaultCounters::injections);
      affect();
    }
    return effect;
  }

 protected:
  // http links: a message this fault acts on begins (latency draws its delay here).
  virtual void onMessageHit(const MessageBegin& message) { (void)message; }
  virtual Effect segmentEffect(const Segment& segment) = 0;
};

}  // namespace outrider::faults::kinds
