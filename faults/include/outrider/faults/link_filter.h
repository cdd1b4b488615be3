#pragma once

// The shape of a link fault kind (Toxiproxy's toxic, Envoy's fault filter): one filter per
// connection and active fault. The link's session shows it the connection's stream, as chunks
// (tcp links) or as HTTP messages framed by the link (http links), and applies the Effect it
// returns; the filter decides and counts its evidence, and never touches a socket or a timer, so
// each kind is tested as data.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "outrider/faults/link_fault.h"
#include "outrider/faults/plan.h"

namespace outrider::faults {

// Up: client -> target (requests). Down: target -> client (replies).
enum class Way : uint8_t { Up = 0, Down = 1 };

// Whether a fault declared for `direction` acts on `way`.
bool affects(scenarios::Direction direction, Way way);

// The connection a filter is made for.
struct LinkConnection {
  uint64_t number = 0;  // its 0-based accept ordinal on the link: the key of per-connection draws
  bool http = false;    // the link frames HTTP: per-request kinds decide per message
};

// How a slicer cuts one run of bytes: slice sizes are draws of (seed, stream, slice number).
struct SliceSpec {
  uint64_t average = 0;
  uint64_t variation = 0;
  std::chrono::nanoseconds delay{0};  // between slices
  uint64_t seed = 0;
  uint64_t stream = 0;

  bool operator==(const SliceSpec&) const = default;
};

// What a filter asks for, as data. The session combines the asks of a connection's filters in
// their order of application: delays add up, the lowest rate paces, the first slicer slices, a
// cut or a hold is final, and the longest close delay wins.
struct Effect {
  std::optional<std::chrono::nanoseconds> delay;  // deliver these bytes this long after arrival
  uint64_t pace_rate = 0;                         // bytes per second, 0: unpaced
  std::optional<SliceSpec> slice;
  std::optional<uint64_t> pass;  // forward this many of the bytes, then close the connection
  std::optional<std::chrono::nanoseconds> reset_after;  // RST the connection this long from now
  bool hold = false;          // swallow this way's bytes and its close until the fault is removed
  std::optional<int> answer;  // requests: answer with this status instead of forwarding
  // requests: send this one to the fault's destination (misroute's `to`) instead of the
  // link's, and relay that server's reply in its place
  bool divert = false;
  std::optional<std::chrono::nanoseconds> close_delay;  // at EOF: pass the close on this late
};

// The first byte of an HTTP message (http links). `held` and `answered` say what filters before
// this one asked for already: a way is held by one filter, a request answered by one.
struct MessageBegin {
  Way way = Way::Up;
  uint64_t request = 0;  // the message's number on the connection (a reply shares its request's)
  uint64_t draw = 0;     // its link-wide number: the position of per-request draws
  bool held = false;
  bool answered = false;
};

// A run of bytes: one chunk read (tcp links), or the part of a chunk in one message (http links).
struct Segment {
  Way way = Way::Up;
  uint64_t chunk = 0;    // the chunk's number on this way of the connection
  uint64_t request = 0;  // http links: the message the bytes belong to
  uint64_t length = 0;
  uint64_t passing = 0;  // of `length`, what earlier filters' cuts still let through
  bool held = false;
};

// A way's source closed (FIN).
struct EndOfStream {
  Way way = Way::Up;
  bool held = false;
};

class LinkFilter {
 public:
  virtual ~LinkFilter() = default;

  virtual Effect onMessageBegin(const MessageBegin& message) {
    (void)message;
    return {};
  }
  virtual Effect onSegment(const Segment& segment) {
    (void)segment;
    return {};
  }
  virtual Effect onEof(const EndOfStream& eof) {
    (void)eof;
    return {};
  }

  // What the session carried out later than it was asked, for the filter to count.
  // The bytes (or, with 0, the close) its hold or its answer swallowed.
  virtual void onSwallowed(Way way, uint64_t length) {
    (void)way;
    (void)length;
  }
  // The connection was reset as it asked.
  virtual void onReset() {}
  // Its reply to the request it answered was queued (or, diverted, the request was sent away).
  virtual void onAnswered() {}
};

using LinkFilterPtr = std::shared_ptr<LinkFilter>;

// What a kind's filter is made from: the planned fault (kept alive as long as the filter) and
// the counters it shares with the same fault's filters on the link's other connections.
struct LinkFilterArgs {
  std::shared_ptr<const PlannedFault> fault;
  std::shared_ptr<FaultCounters> counters;
  LinkConnection connection;
};

using LinkFilterFactory = std::function<LinkFilterPtr(const LinkFilterArgs&)>;

}  // namespace outrider::faults
