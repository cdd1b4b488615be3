// The link kinds (Toxiproxy's toxics): their entries. Their filters run in the link proxy
// (link_session.cc), which reads each connection's active faults.

#include "kinds.h"

namespace outrider::faults::kinds {

void registerLinkKinds(FaultRegistry& registry) {
  using scenarios::FaultKind;
  const std::pair<FaultKind, const char*> Kinds[] = {
      {FaultKind::Latency, "delay each chunk (tcp) or message (http) by latency ± jitter"},
      {FaultKind::Bandwidth, "pace the stream to rate bytes per second"},
      {FaultKind::Reset, "TCP RST `after` the connection's first byte"},
      {FaultKind::Blackhole, "hold the connection open and drop what it carries"},
      {FaultKind::Refuse, "stop listening: new connections are refused"},
      {FaultKind::SlowClose, "hold a close for `delay` before passing it on"},
      {FaultKind::Slicer, "cut the stream into slices of average_size ± size_variation, `delay` apart"},
      {FaultKind::LimitData, "close the connection after `bytes`"},
      {FaultKind::HttpAbort, "answer requests with `status` instead of forwarding them (http links)"},
  };
  for (const auto& [kind, summary] : Kinds) {
    FaultKindEntry entry;
    entry.name = scenarios::toString(kind);
    entry.builtin = kind;
    entry.acts_on_link = true;
    entry.link_filter = true;
    entry.summary = summary;
    registry.add(std::move(entry));
  }
}

}  // namespace outrider::faults::kinds
