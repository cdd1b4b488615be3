#pragma once

// One proxied connection of a link: the client and target sockets, a reader per direction that
// shows what it reads to the filters of the active faults (link_filter.h) and applies the effects
// they return, and a writer per destination that delivers what was delayed, paced or sliced, in
// order. It knows no fault kind. Everything runs on the connection's strand, and every wait is on
// a timer of the link's clock.
//
// The no-fault path stays what the plain proxy did: a reader that finds its destination idle
// writes the chunk itself (one atomic load per chunk tells it no fault changed). Only delayed,
// paced or sliced data, and what must follow it, goes through the destination's queue.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "active_faults.h"
#include "http_framer.h"
#include "outrider/common/timer.h"

namespace outrider::faults::detail {

class LinkSession : public std::enable_shared_from_this<LinkSession> {
 public:
  using tcp = boost::asio::ip::tcp;

  // `number`: the connection's 0-based accept ordinal on the link, the key of its draws.
  LinkSession(std::shared_ptr<LinkShared> link, uint64_t number, tcp::socket client,
              tcp::socket target);
  LinkSession(const LinkSession&) = delete;
  LinkSession& operator=(const LinkSession&) = delete;

  // Spawns the readers and writers on the connection's strand.
  void start();
  // Closes both sockets (FIN). Any thread.
  void close();
  // The link's fault set changed: revert what removed faults left behind. Any thread.
  void faultsChanged();

 private:
  // What goes out to one socket, in order.
  struct Item {
    enum class Kind { Data, Shutdown, Close };
    Kind kind = Kind::Data;
    std::vector<char> bytes;
    std::optional<MonotonicTime> due;  // not before: a delay counted from when the bytes arrived
    uint64_t pace_rate = 0;            // bytes per second, 0 = unpaced
    std::optional<SliceSpec> slice;
  };

  struct Outbound {
    Outbound(tcp::socket& s, const Clock& clock, const boost::asio::any_io_executor& executor,
             std::atomic<uint64_t>& bytes_counter)
        : socket(s),
          wakeup(clock.createTimer(executor)),
          space(clock.createTimer(executor)),
          due(clock.createTimer(executor)),
          pace(clock.createTimer(executor)),
          pause(clock.createTimer(executor)),
          counter(bytes_counter) {}
    tcp::socket& socket;
    std::deque<Item> queue;
    size_t queued_bytes = 0;
    bool busy = false;           // a write to this socket is in progress (inline or writer)
    bool done = false;           // its direction was shut down: nothing more goes out
    bool pace_anchored = false;  // pace.expiry() is the schedule to continue from
    TimerPtr wakeup;             // condition variables: never expire, cancelled to wake
    TimerPtr space;
    TimerPtr due;  // the writer waits on it for the front item's due time
    TimerPtr pace;
    TimerPtr pause;
    std::atomic<uint64_t>& counter;
  };

  // One active fault's filter on this connection, in the order the faults were applied.
  struct ActiveFilter {
    const ActiveFault* fault = nullptr;  // in faults_, the snapshot the filters were made from
    LinkFilterPtr filter;
  };

  // What a reader does with one run of bytes of one message: the filters' effects combined.
  struct Action {
    // Divert: the diverted request just ended; exchange it with its destination before going on.
    enum class Kind { Bytes, FlushLocals, Divert };
    Kind kind = Kind::Bytes;
    size_t offset = 0;
    size_t length = 0;
    bool drop = false;
    bool delayed = false;
    std::chrono::nanoseconds delay{0};
    uint64_t pace_rate = 0;
    std::optional<SliceSpec> slice;
    bool close_after = false;  // a cut: close once these bytes are out
  };

  struct WayState {
    uint64_t chunks = 0;  // chunks read: the draw position of per-chunk faults on tcp links
    std::optional<HttpFramer> framer;
    std::vector<FrameEvent> events;
    std::vector<Action> actions;
    uint64_t request = 0;  // the request number of the current message (http)
    uint64_t draw = 0;     // its link-wide number: the position of per-request draws
    bool forwarding = false;
    // Up: the filter answering the current request itself, with what it answers.
    LinkFilterPtr answerer;
    int answer_status = 503;
    std::string answer_name;
    // Up: the filter sending the current request elsewhere (misroute), its destination, and the
    // request's bytes as they arrive (kept off the target).
    LinkFilterPtr diverter;
    LinkEndpoint divert_to;
    std::string divert_bytes;
    std::string divert_name;  // the fault's, for a reply of the link's own
    bool divert_head_request = false;
    bool divert_connect = false;
    LinkFilterPtr holder;  // the filter holding this way (nothing goes out), if any
    uint64_t hold_instance = 0;
    bool swallowed = false;  // the hold ate bytes or the EOF
    bool finished = false;   // its close reached the destination
  };

  // A reply owed to the client, in request order: the target's or the link's own (http-abort,
  // or a diverted request's, which is not ready until its destination answered).
  struct Slot {
    uint64_t request = 0;
    bool local = false;
    std::string reply;
    bool close_after = false;
    uint64_t draw = 0;
    bool ready = true;
  };

  // A diverted request, complete, waiting for its exchange.
  struct DivertJob {
    uint64_t request = 0;
    LinkEndpoint to;
    std::string bytes;
    bool head_request = false;
    bool connect = false;
    std::string fault_name;
  };

  static boost::asio::awaitable<void> readLoop(std::shared_ptr<LinkSession> self, Way way);
  static boost::asio::awaitable<void> writeLoop(std::shared_ptr<LinkSession> self, Way way);
  static boost::asio::awaitable<void> resetLater(std::shared_ptr<LinkSession> self,
                                                 uint64_t instance);

  boost::asio::awaitable<bool> onData(Way way, std::string_view data);
  boost::asio::awaitable<void> onEof(Way way);
  boost::asio::awaitable<bool> forward(Way way, std::string_view data, const Action& action);
  boost::asio::awaitable<bool> sendPlain(Way way, std::string_view data);
  boost::asio::awaitable<bool> enqueue(Way way, Item item);
  boost::asio::awaitable<bool> deliver(Way way, Item& item);
  boost::asio::awaitable<bool> writeData(Way way, Item& item);
  // The next diverted request: sent to its destination on the side connection, its reply put in
  // its slot (a 502 of the link's own when the destination cannot be reached or answers
  // nothing). False: the session closed meanwhile.
  boost::asio::awaitable<bool> divertNext();
  boost::asio::awaitable<bool> exchangeElsewhere(const DivertJob& job, std::string& reply,
                                                 bool& keep_alive);
  void closeSide();

  // The synchronous half of a chunk: framing, the filters' effects and the actions to apply.
  // False: stop (the connection was reset).
  bool planChunk(Way way, std::string_view data, uint64_t chunk);
  bool beginMessage(Way way);
  void onHead(Way way, const FrameHead& head);
  void endMessage(Way way, const FrameHead& head);
  bool segmentAction(Way way, size_t offset, size_t length, uint64_t chunk);
  // Carries out what a filter asked that outlasts the bytes at hand: an answer, a hold, a reset.
  // False: the connection was reset.
  bool takeOver(Way way, const ActiveFilter& active, const Effect& effect);
  // Appends an action, merged into the previous one when both treat their bytes alike.
  void addAction(WayState& s, const Action& action);
  // The way is held: `length` bytes (0: its close) are swallowed.
  void swallow(Way way, uint64_t length);

  void refreshFaults();
  void armReset(const ActiveFilter& active, std::chrono::nanoseconds after);
  void pushItem(Way way, Item item);
  void flushLocals();
  void finishWay(Way way);
  void closeNow(bool reset);

  WayState& way(Way w) { return ways_[static_cast<int>(w)]; }
  Outbound& out(Way w) { return w == Way::Up ? to_target_ : to_client_; }

  std::shared_ptr<LinkShared> link_;
  const uint64_t number_;
  const bool http_;
  tcp::socket client_;
  tcp::socket target_;
  // misroute on an http link: the connection to where diverted requests go, opened at the first
  // and kept while its server keeps it alive.
  tcp::socket side_;
  std::optional<LinkEndpoint> side_to_;
  std::optional<HttpFramer> side_framer_;
  std::deque<DivertJob> divert_jobs_;
  std::string_view chunk_;  // planChunk's bytes, for segmentAction to keep a diverted request's
  Outbound to_target_;
  Outbound to_client_;
  TimerPtr reset_timer_;
  uint64_t reset_instance_ = 0;  // the fault whose reset is pending (0: none)
  LinkFilterPtr resetter_;
  bool closed_ = false;

  uint64_t version_ = 0;
  ActiveFaultsPtr faults_;
  std::vector<ActiveFilter> filters_;
  WayState ways_[2];
  std::deque<Slot> slots_;
  uint64_t next_request_ = 0;
  uint64_t next_unmatched_ = 0;
};

}  // namespace outrider::faults::detail
