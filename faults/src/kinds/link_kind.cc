#include "link_kind.h"

#include <fmt/format.h>

namespace outrider::faults::kinds {

using scenarios::Direction;

bool LinkKind::connectionHit(bool opportunity) {
  if (!seen_) {
    seen_ = true;
    hit_ = decide(*fault_, connection_.number, 0);
    if (opportunity) {
      count(&FaultCounters::opportunities);
    }
  }
  return hit_;
}

bool LinkKind::decideMessage(const MessageBegin& message) {
  count(&FaultCounters::opportunities);
  const int i = static_cast<int>(message.way);
  message_[i] = message.request;
  message_hit_[i] = decide(*fault_, 0, message.draw);
  return message_hit_[i];
}

bool LinkKind::messageAffected(const MessageBegin& message) {
  if (!acts(message.way) || !decideMessage(message)) {
    return false;
  }
  count(&FaultCounters::requests_affected);
  return true;
}

bool LinkKind::messageHit(const Segment& segment) const {
  const int i = static_cast<int>(segment.way);
  return message_[i] == segment.request && message_hit_[i];
}

void LinkKind::affect() {
  if (!affected_) {
    affected_ = true;
    count(&FaultCounters::connections_affected);
  }
}

std::string evidenceUnits(Direction direction, bool http_link) {
  switch (direction) {
    case Direction::Downstream:
      return http_link ? "replies" : "reply chunks";
    case Direction::Upstream:
      return http_link ? "requests" : "request chunks";
    case Direction::Both:
      return http_link ? "messages" : "chunks";
  }
  return "chunks";
}

std::string onConnections(const FaultEvidence& evidence, bool http_link) {
  if (http_link) {
    return "";
  }
  return fmt::format(" on {} connection{}", evidence.connections_affected,
                     evidence.connections_affected == 1 ? "" : "s");
}

std::string seenUnits(Direction direction, bool http_link) {
  return http_link ? evidenceUnits(direction, true) : "connections";
}

}  // namespace outrider::faults::kinds
