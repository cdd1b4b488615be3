#include "link_session.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>
#include <cmath>
#include <utility>

#include "outrider/faults/draw.h"
#include "outrider/faults/link_filter.h"

namespace outrider::faults::detail {

namespace asio = boost::asio;
using asio::awaitable;
using std::chrono::nanoseconds;

namespace {

constexpr auto UseTuple = asio::as_tuple(asio::use_awaitable);

// A destination that reads slower than its source fills at most this much before the reader
// waits (Toxiproxy buffers 1024 chunks): enough for 150ms of latency at ~50 MiB/s.
constexpr size_t MaxQueuedItems = 1024;
constexpr size_t MaxQueuedBytes = 8 * 1024 * 1024;
// Bandwidth pacing writes a piece every 1/20 s, so a rate shows within a fraction of a second.
constexpr uint64_t PacePiecesPerSecond = 20;
// A diverted request is held whole before it goes to its destination (and so is its reply,
// which must wait its turn): past this much either way the link closes the connection.
constexpr size_t MaxDivertedBytes = 4 * 1024 * 1024;

std::string localReply(int status, bool keep_alive, const std::string& fault_name) {
  namespace http = boost::beast::http;
  auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                    (reason.empty() || reason == "<unknown-status>" ? std::string("Fault")
                                                                      : std::string(reason)) +
                    "\r\nContent-Length: 0\r\n";
  // Attribution, like Envoy's FI flag: the client can tell an injected reply from a real one.
  out += "X-Outrider-Fault: " + fault_name + "\r\n";
  if (!keep_alive) {
    out += "Connection: close\r\n";
  }
  out += "\r\n";
  return out;
}

}  // namespace

LinkSession::LinkSession(std::shared_ptr<LinkShared> link, uint64_t number, tcp::socket client,
                         tcp::socket target)
    : link_(std::move(link)),
      number_(number),
      http_(link_->config.protocol == scenarios::LinkProtocol::Http),
      client_(std::move(client)),
      target_(std::move(target)),
      side_(client_.get_executor()),
      to_target_(target_, link_->clock, client_.get_executor(), link_->bytes_upstream),
      to_client_(client_, link_->clock, client_.get_executor(), link_->bytes_downstream),
      reset_timer_(link_->clock.createTimer(client_.get_executor())) {
  if (http_) {
    way(Way::Up).framer.emplace(/*requests=*/true);
    way(Way::Down).framer.emplace(/*requests=*/false);
  }
}

void LinkSession::start() {
  auto self = shared_from_this();
  auto executor = client_.get_executor();
  asio::co_spawn(executor, writeLoop(self, Way::Up), asio::detached);
  asio::co_spawn(executor, writeLoop(self, Way::Down), asio::detached);
  asio::co_spawn(executor, readLoop(self, Way::Up), asio::detached);
  asio::co_spawn(executor, readLoop(self, Way::Down), asio::detached);
}

void LinkSession::close() {
  auto self = shared_from_this();
  asio::post(client_.get_executor(), [self] { self->closeNow(false); });
}

void LinkSession::faultsChanged() {
  auto self = shared_from_this();
  asio::post(client_.get_executor(), [self] {
    if (!self->closed_) {
      self->refreshFaults();
    }
  });
}

// ---- readers --------------------------------------------------------------------------------

awaitable<void> LinkSession::readLoop(std::shared_ptr<LinkSession> self, Way way) {
  tcp::socket& from = way == Way::Up ? self->client_ : self->target_;
  std::vector<char> buffer(self->link_->config.buffer_size);
  for (;;) {
    auto [ec, n] = co_await from.async_read_some(asio::buffer(buffer), UseTuple);
    if (self->closed_) {
      co_return;
    }
    if (n > 0) {
      const bool more = co_await self->onData(way, std::string_view(buffer.data(), n));
      if (!more || self->closed_) {
        co_return;
      }
    }
    if (ec == asio::error::eof) {
      co_await self->onEof(way);
      co_return;
    }
    if (ec) {
      self->closeNow(false);
      co_return;
    }
  }
}

awaitable<bool> LinkSession::onData(Way w, std::string_view data) {
  refreshFaults();
  if (closed_) {
    co_return false;
  }
  WayState& state_of_way = way(w);
  const uint64_t chunk = state_of_way.chunks++;
  // The cheap path: a tcp link with no filter active is the plain proxy.
  if (!http_ && filters_.empty() && !state_of_way.holder) {
    co_return co_await sendPlain(w, data);
  }
  if (!planChunk(w, data, chunk)) {
    co_return false;
  }
  state_of_way.forwarding = true;
  bool more = true;
  for (const Action& action : state_of_way.actions) {
    if (action.kind == Action::Kind::FlushLocals) {
      flushLocals();
      continue;
    }
    if (action.kind == Action::Kind::Divert) {
      // The next requests wait for this one's reply: the client's replies stay in order.
      more = co_await divertNext();
      if (!more || closed_) {
        more = false;
        break;
      }
      continue;
    }
    more = co_await forward(w, data, action);
    if (!more || closed_) {
      more = false;
      break;
    }
  }
  state_of_way.forwarding = false;
  if (more && w == Way::Down && !slots_.empty()) {
    flushLocals();  // replies the link owes that were queued while this chunk went out
  }
  co_return more;
}

bool LinkSession::planChunk(Way w, std::string_view data, uint64_t chunk) {
  WayState& s = way(w);
  s.actions.clear();
  chunk_ = data;
  if (!s.framer) {
    return segmentAction(w, 0, data.size(), chunk);
  }
  s.events.clear();
  s.framer->feed(data, s.events);
  size_t offset = 0;
  for (const FrameEvent& event : s.events) {
    switch (event.type) {
      case FrameEvent::Type::Begin:
        if (!beginMessage(w)) {
          return false;
        }
        break;
      case FrameEvent::Type::Head:
        onHead(w, event.head);
        break;
      case FrameEvent::Type::End:
        endMessage(w, event.head);
        break;
      case FrameEvent::Type::Raw:
        link_->framing_errors.fetch_add(1, std::memory_order_relaxed);
        s.answerer.reset();
        if (s.diverter) {
          closeNow(false);  // a request cut off mid-way cannot be sent anywhere whole
          return false;
        }
        break;
      case FrameEvent::Type::Data:
        if (!segmentAction(w, offset, event.length, chunk)) {
          return false;
        }
        offset += event.length;
        if (!s.actions.empty() && s.actions.back().close_after) {
          return true;  // a cut: nothing after it goes anywhere
        }
        break;
    }
  }
  return true;
}

bool LinkSession::beginMessage(Way w) {
  WayState& s = way(w);
  if (w == Way::Up) {
    s.request = next_request_++;
    s.draw = link_->http_requests.fetch_add(1, std::memory_order_relaxed);
  } else if (!slots_.empty() && !slots_.front().local) {
    s.request = slots_.front().request;
    s.draw = slots_.front().draw;  // a reply shares its request's decision
    next_unmatched_ = s.request + 1;
  } else {
    s.request = next_unmatched_++;  // a reply nobody asked for (or framing is lost upstream)
    s.draw = mixKeys(number_, s.request);
  }
  s.answerer.reset();
  s.diverter.reset();
  MessageBegin message{w, s.request, s.draw};
  for (const ActiveFilter& active : filters_) {
    message.held = s.holder != nullptr;
    message.answered = s.answerer != nullptr || s.diverter != nullptr;
    if (!takeOver(w, active, active.filter->onMessageBegin(message))) {
      return false;
    }
  }
  return true;
}

void LinkSession::onHead(Way w, const FrameHead& head) {
  WayState& s = way(w);
  if (w != Way::Up) {
    return;
  }
  if (s.diverter) {
    s.diverter->onAnswered();
    s.divert_head_request = head.head_request;
    s.divert_connect = head.connect;
    slots_.push_back({s.request, true, {}, !head.keep_alive, s.draw, /*ready=*/false});
    return;
  }
  if (s.answerer) {
    s.answerer->onAnswered();
    slots_.push_back({s.request, true, localReply(s.answer_status, head.keep_alive, s.answer_name),
                      !head.keep_alive, s.draw});
    if (!way(Way::Down).forwarding) {
      flushLocals();
    }
    return;
  }
  slots_.push_back({s.request, false, {}, false, s.draw});
  way(Way::Down).framer->expectResponse(head.head_request, head.connect);
}

void LinkSession::endMessage(Way w, const FrameHead& head) {
  WayState& s = way(w);
  if (w == Way::Up) {
    s.answerer.reset();
    if (s.diverter) {
      divert_jobs_.push_back({s.request, s.divert_to, std::move(s.divert_bytes),
                              s.divert_head_request, s.divert_connect, s.divert_name});
      s.divert_bytes.clear();
      s.diverter.reset();
      Action divert;
      divert.kind = Action::Kind::Divert;
      s.actions.push_back(divert);
    }
    return;
  }
  if (head.status >= 100 && head.status < 200 && head.status != 101) {
    return;  // an interim reply; the final one follows
  }
  if (!slots_.empty() && !slots_.front().local) {
    slots_.pop_front();
  }
  if (slots_.empty() || !slots_.front().local) {
    return;  // no reply of the link's own is due next
  }
  Action flush;
  flush.kind = Action::Kind::FlushLocals;
  s.actions.push_back(flush);
}

bool LinkSession::segmentAction(Way w, size_t offset, size_t length, uint64_t chunk) {
  WayState& s = way(w);
  Action action;
  action.offset = offset;
  action.length = length;
  if (w == Way::Up && s.answerer) {
    action.drop = true;  // the request is answered here; the target never sees it
    s.answerer->onSwallowed(w, length);
    addAction(s, action);
    return true;
  }
  if (w == Way::Up && s.diverter) {
    // Kept for its destination; the target never sees it.
    if (s.divert_bytes.size() + length > MaxDivertedBytes) {
      closeNow(false);
      return false;
    }
    action.drop = true;
    s.divert_bytes.append(chunk_.substr(offset, length));
    s.diverter->onSwallowed(w, length);
    addAction(s, action);
    return true;
  }
  if (s.holder) {
    swallow(w, length);
    action.drop = true;
    addAction(s, action);
    return true;
  }
  Segment segment{w, chunk, s.request, length, length};
  for (const ActiveFilter& active : filters_) {
    segment.held = s.holder != nullptr;
    segment.passing = action.length;
    const Effect effect = active.filter->onSegment(segment);
    if (!takeOver(w, active, effect)) {
      return false;
    }
    // Toxiproxy's chain: delays add up, the narrowest pipe paces, the first slicer cuts.
    if (effect.delay) {
      action.delayed = true;
      action.delay += *effect.delay;
    }
    if (effect.pace_rate > 0) {
      action.pace_rate =
          action.pace_rate == 0 ? effect.pace_rate : std::min(action.pace_rate, effect.pace_rate);
    }
    if (effect.slice && !action.slice) {
      action.slice = effect.slice;
    }
    if (effect.pass) {
      action.length = static_cast<size_t>(std::min<uint64_t>(*effect.pass, action.length));
      action.close_after = true;
    }
  }
  if (s.holder) {
    swallow(w, length);  // held from these bytes on: they go nowhere, and nothing is cut
    action.drop = true;
    action.close_after = false;
  }
  addAction(s, action);
  return true;
}

bool LinkSession::takeOver(Way w, const ActiveFilter& active, const Effect& effect) {
  WayState& s = way(w);
  if (effect.answer && !s.answerer && !s.diverter) {
    s.answerer = active.filter;
    s.answer_status = *effect.answer;
    s.answer_name = active.fault->planned.name;
  }
  if (effect.divert && active.fault->divert && !s.answerer && !s.diverter) {
    s.diverter = active.filter;
    s.divert_to = *active.fault->divert;
    s.divert_name = active.fault->planned.name;
    s.divert_bytes.clear();
  }
  if (effect.hold && !s.holder) {
    s.holder = active.filter;
    s.hold_instance = active.fault->instance;
  }
  if (effect.reset_after) {
    armReset(active, *effect.reset_after);
  }
  return !closed_;
}

void LinkSession::addAction(WayState& s, const Action& action) {
  // A header and its body, or two small messages, that are treated alike go out in one write:
  // framing must not cost a syscall per message part.
  if (!s.actions.empty()) {
    Action& last = s.actions.back();
    if (last.kind == Action::Kind::Bytes && !last.close_after &&
        last.offset + last.length == action.offset && last.drop == action.drop &&
        last.delayed == action.delayed && last.delay == action.delay &&
        last.pace_rate == action.pace_rate && last.slice == action.slice) {
      last.length += action.length;
      last.close_after = action.close_after;
      return;
    }
  }
  s.actions.push_back(action);
}

void LinkSession::swallow(Way w, uint64_t length) {
  // Held: nothing of this direction goes out until the hold's fault is removed.
  WayState& s = way(w);
  s.holder->onSwallowed(w, length);
  s.swallowed = true;
}

awaitable<void> LinkSession::onEof(Way w) {
  refreshFaults();
  if (closed_) {
    co_return;
  }
  WayState& s = way(w);
  if (s.framer) {
    s.events.clear();
    s.framer->feedEof(s.events);
    for (const FrameEvent& event : s.events) {
      if (event.type == FrameEvent::Type::End) {
        endMessage(w, event.head);
      }
    }
    s.actions.clear();  // the flush below covers the end of a body delimited by EOF
    if (w == Way::Down) {
      flushLocals();
    }
  }
  nanoseconds delay{0};
  if (!s.holder) {
    EndOfStream eof{w};
    for (const ActiveFilter& active : filters_) {
      eof.held = s.holder != nullptr;
      const Effect effect = active.filter->onEof(eof);
      if (!takeOver(w, active, effect)) {
        co_return;
      }
      if (effect.close_delay) {
        delay = std::max(delay, *effect.close_delay);
      }
    }
  }
  if (s.holder) {
    swallow(w, 0);
    co_return;  // the close is held too: the peer keeps waiting
  }
  Item shutdown;
  shutdown.kind = Item::Kind::Shutdown;
  if (delay.count() > 0) {
    shutdown.due = link_->clock.monotonicNow() + delay;
  }
  co_await enqueue(w, std::move(shutdown));
}

awaitable<bool> LinkSession::forward(Way w, std::string_view data, const Action& action) {
  if (!action.drop && action.length > 0) {
    std::string_view bytes = data.substr(action.offset, action.length);
    if (!action.delayed && action.pace_rate == 0 && !action.slice) {
      const bool sent = co_await sendPlain(w, bytes);
      if (!sent) {
        co_return false;
      }
    } else {
      Item item;
      item.bytes.assign(bytes.begin(), bytes.end());
      if (action.delayed) {
        // Armed now, when the bytes arrived, so the delay does not add up across chunks.
        item.due = link_->clock.monotonicNow() + action.delay;
      }
      item.pace_rate = action.pace_rate;
      item.slice = action.slice;
      const bool queued = co_await enqueue(w, std::move(item));
      if (!queued) {
        co_return false;
      }
    }
  }
  if (action.close_after) {
    Item close;
    close.kind = Item::Kind::Close;
    co_await enqueue(w, std::move(close));
    co_return false;
  }
  co_return true;
}

// ---- writers --------------------------------------------------------------------------------

awaitable<bool> LinkSession::sendPlain(Way w, std::string_view data) {
  Outbound& o = out(w);
  if (o.done) {
    co_return true;
  }
  if (o.busy || !o.queue.empty()) {
    Item item;
    item.bytes.assign(data.begin(), data.end());
    co_return co_await enqueue(w, std::move(item));
  }
  o.busy = true;
  auto [ec, written] = co_await asio::async_write(o.socket, asio::buffer(data), UseTuple);
  o.counter.fetch_add(written, std::memory_order_relaxed);
  o.busy = false;
  if (!o.queue.empty()) {
    o.wakeup->cancel();
  }
  if (ec) {
    closeNow(false);
    co_return false;
  }
  co_return !closed_;
}

awaitable<bool> LinkSession::enqueue(Way w, Item item) {
  Outbound& o = out(w);
  while (!closed_ && (o.queue.size() >= MaxQueuedItems || o.queued_bytes >= MaxQueuedBytes)) {
    o.space->expiresNever();
    co_await o.space->wait();
  }
  if (closed_) {
    co_return false;
  }
  pushItem(w, std::move(item));
  co_return true;
}

void LinkSession::pushItem(Way w, Item item) {
  Outbound& o = out(w);
  if (o.done || closed_) {
    return;
  }
  o.queued_bytes += item.bytes.size();
  o.queue.push_back(std::move(item));
  o.wakeup->cancel();
}

awaitable<void> LinkSession::writeLoop(std::shared_ptr<LinkSession> self, Way w) {
  Outbound& o = self->out(w);
  for (;;) {
    while (!self->closed_ && (o.queue.empty() || o.busy)) {
      if (o.queue.empty()) {
        o.pace_anchored = false;  // idle: the next paced byte starts a new schedule
      }
      o.wakeup->expiresNever();
      co_await o.wakeup->wait();
    }
    if (self->closed_) {
      co_return;
    }
    Item item = std::move(o.queue.front());
    o.queue.pop_front();
    o.queued_bytes -= item.bytes.size();
    o.space->cancel();
    o.busy = true;
    const bool more = co_await self->deliver(w, item);
    o.busy = false;
    if (!more || self->closed_) {
      co_return;
    }
  }
}

awaitable<bool> LinkSession::deliver(Way w, Item& item) {
  Outbound& o = out(w);
  if (item.due) {
    o.due->expiresAt(*item.due);
    co_await o.due->wait();
    if (closed_) {
      co_return false;
    }
  }
  switch (item.kind) {
    case Item::Kind::Close:
      closeNow(false);
      co_return false;
    case Item::Kind::Shutdown: {
      boost::system::error_code ignored;
      o.socket.shutdown(tcp::socket::shutdown_send, ignored);
      o.done = true;
      finishWay(w);
      co_return false;
    }
    case Item::Kind::Data:
      break;
  }
  if (item.pace_rate == 0) {
    o.pace_anchored = false;
  }
  co_return co_await writeData(w, item);
}

awaitable<bool> LinkSession::writeData(Way w, Item& item) {
  Outbound& o = out(w);
  const char* data = item.bytes.data();
  size_t left = item.bytes.size();
  uint64_t slice_number = 0;
  while (left > 0) {
    size_t slice = left;
    if (item.slice) {
      const auto& spec = *item.slice;
      const double u = uniform01(spec.seed, spec.stream, slice_number++);
      const double size = static_cast<double>(spec.average) +
                          (2.0 * u - 1.0) * static_cast<double>(spec.variation);
      slice = std::min(left, static_cast<size_t>(std::max(1.0, std::round(size))));
    }
    size_t sent = 0;
    while (sent < slice) {
      size_t piece = slice - sent;
      if (item.pace_rate > 0) {
        piece = std::min<size_t>(piece,
                                 std::max<uint64_t>(1, item.pace_rate / PacePiecesPerSecond));
        // Continue the schedule while busy so timer overshoot does not add up; start a new one
        // after an idle spell so a quiet link cannot bank a burst.
        const nanoseconds interval(static_cast<int64_t>(piece * 1'000'000'000ULL /
                                                        item.pace_rate));
        if (o.pace_anchored) {
          o.pace->expiresAt(o.pace->expiry() + interval);
        } else {
          o.pace->expiresAfter(interval);
          o.pace_anchored = true;
        }
        co_await o.pace->wait();
        if (closed_) {
          co_return false;
        }
      }
      auto [ec, written] =
          co_await asio::async_write(o.socket, asio::buffer(data + sent, piece), UseTuple);
      o.counter.fetch_add(written, std::memory_order_relaxed);
      if (ec) {
        closeNow(false);
        co_return false;
      }
      sent += piece;
    }
    data += slice;
    left -= slice;
    if (item.slice && left > 0 && item.slice->delay.count() > 0) {
      o.pause->expiresAfter(item.slice->delay);
      co_await o.pause->wait();
      if (closed_) {
        co_return false;
      }
    }
  }
  co_return true;
}

// ---- faults ---------------------------------------------------------------------------------

void LinkSession::refreshFaults() {
  const uint64_t version = link_->version.load(std::memory_order_acquire);
  if (version == version_ && faults_) {
    return;
  }
  version_ = version;
  // The filters point into the snapshot they were last matched with: keep it until rematched.
  const ActiveFaultsPtr previous = std::exchange(faults_, link_->snapshot());
  // A fault keeps its filter (and what it remembers of this connection) while it stays active.
  std::vector<ActiveFilter> next;
  for (const ActiveFault& fault : faults_->faults) {
    if (!fault.make_filter) {
      continue;
    }
    auto kept = std::find_if(filters_.begin(), filters_.end(), [&fault](const ActiveFilter& f) {
      return f.fault->instance == fault.instance;
    });
    if (kept != filters_.end()) {
      next.push_back({&fault, std::move(kept->filter)});
      continue;
    }
    // The filter shares the snapshot, so its fault outlives a later swap of faults_.
    next.push_back(
        {&fault, fault.make_filter({std::shared_ptr<const PlannedFault>(faults_, &fault.planned),
                                    fault.counters,
                                    {number_, http_}})});
  }
  filters_ = std::move(next);
  // Revert what removed faults left behind. A held direction has lost bytes (or its close), so
  // the stream cannot carry on: close it, as Toxiproxy closes a timeout toxic's stub.
  for (auto& s : ways_) {
    if (s.holder && !faults_->find(s.hold_instance)) {
      if (s.swallowed) {
        closeNow(false);
        return;
      }
      s.holder.reset();
    }
  }
  if (reset_instance_ != 0 && !faults_->find(reset_instance_)) {
    reset_instance_ = 0;
    resetter_.reset();
    reset_timer_->cancel();
  }
}

void LinkSession::armReset(const ActiveFilter& active, nanoseconds after) {
  if (reset_instance_ != 0) {
    return;  // one reset pending is enough
  }
  if (after.count() == 0) {
    active.filter->onReset();
    closeNow(/*reset=*/true);
    return;
  }
  reset_instance_ = active.fault->instance;
  resetter_ = active.filter;
  reset_timer_->expiresAfter(after);
  asio::co_spawn(client_.get_executor(), resetLater(shared_from_this(), reset_instance_),
                 asio::detached);
}

awaitable<void> LinkSession::resetLater(std::shared_ptr<LinkSession> self, uint64_t instance) {
  const bool expired = co_await self->reset_timer_->wait();
  if (!expired || self->closed_ || self->reset_instance_ != instance) {
    co_return;
  }
  self->refreshFaults();
  if (self->closed_ || self->reset_instance_ != instance) {
    co_return;  // removed meanwhile: a reverted fault resets nothing
  }
  self->resetter_->onReset();
  self->closeNow(/*reset=*/true);
}

// ---- requests sent elsewhere (misroute on an http link) ----------------------------------

awaitable<bool> LinkSession::divertNext() {
  if (divert_jobs_.empty()) {
    co_return !closed_;
  }
  DivertJob job = std::move(divert_jobs_.front());
  divert_jobs_.pop_front();
  std::string reply;
  bool keep_alive = true;
  const bool answered = co_await exchangeElsewhere(job, reply, keep_alive);
  if (closed_) {
    co_return false;
  }
  auto slot = std::find_if(slots_.begin(), slots_.end(), [&job](const Slot& s) {
    return s.local && !s.ready && s.request == job.request;
  });
  if (slot == slots_.end()) {
    co_return true;
  }
  if (!answered) {
    // Where a real wrong route ends too: the client gets a gateway error, not a hang.
    reply = localReply(502, !slot->close_after, job.fault_name);
    keep_alive = true;
  }
  slot->reply = std::move(reply);
  slot->ready = true;
  slot->close_after = slot->close_after || !keep_alive;
  if (!way(Way::Down).forwarding) {
    flushLocals();
  }
  co_return !closed_;
}

awaitable<bool> LinkSession::exchangeElsewhere(const DivertJob& job, std::string& reply,
                                               bool& keep_alive) {
  if (side_to_ && !(*side_to_ == job.to)) {
    closeSide();
  }
  // A kept connection its server closed while idle fails before any byte of a reply: once more
  // on a new one, as a client's pool would.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = side_to_.has_value();
    if (!reused) {
      boost::system::error_code ec;
      const auto address = asio::ip::make_address(job.to.host, ec);  // checked when applied
      if (ec) {
        co_return false;
      }
      side_ = tcp::socket(client_.get_executor());
      auto [connect_ec] =
          co_await side_.async_connect(tcp::endpoint(address, job.to.port), UseTuple);
      if (connect_ec || closed_) {
        closeSide();
        co_return false;
      }
      side_to_ = job.to;
      side_framer_.emplace(/*requests=*/false);
    }
    side_framer_->expectResponse(job.head_request, job.connect);
    auto [write_ec, written] = co_await asio::async_write(side_, asio::buffer(job.bytes), UseTuple);
    if (closed_) {
      co_return false;
    }
    std::vector<char> buffer(link_->config.buffer_size);
    std::vector<FrameEvent> events;
    reply.clear();
    size_t received = 0;
    bool failed = static_cast<bool>(write_ec);
    while (!failed) {
      auto [read_ec, n] = co_await side_.async_read_some(asio::buffer(buffer), UseTuple);
      if (closed_) {
        co_return false;
      }
      received += n;
      events.clear();
      if (n > 0) {
        side_framer_->feed(std::string_view(buffer.data(), n), events);
      } else if (read_ec == asio::error::eof) {
        side_framer_->feedEof(events);
      }
      size_t offset = 0;
      for (const FrameEvent& event : events) {
        if (event.type == FrameEvent::Type::Raw ||
            (event.type == FrameEvent::Type::Data &&
             reply.size() + event.length > MaxDivertedBytes)) {
          closeSide();
          co_return false;  // no end to find, or too much to hold: not a reply to relay
        }
        if (event.type == FrameEvent::Type::Data) {
          reply.append(buffer.data() + offset, event.length);
          offset += event.length;
        }
        if (event.type == FrameEvent::Type::End &&
            !(event.head.status >= 100 && event.head.status < 200 && event.head.status != 101)) {
          // The final reply (interim 1xx ones go with it); anything after it was not asked for.
          keep_alive = event.head.keep_alive && read_ec != asio::error::eof;
          if (!keep_alive) {
            closeSide();
          }
          co_return true;
        }
      }
      failed = static_cast<bool>(read_ec);
    }
    closeSide();
    if (!reused || received > 0) {
      co_return false;
    }
  }
  co_return false;
}

void LinkSession::closeSide() {
  boost::system::error_code ignored;
  side_.close(ignored);
  side_to_.reset();
  side_framer_.reset();
}

// ---- replies the link owes, and the end --------------------------------------------------

void LinkSession::flushLocals() {
  // Without response framing the order of replies is unknown; send what the link owes now.
  const bool lost = way(Way::Down).framer && way(Way::Down).framer->raw();
  while (!slots_.empty() && (slots_.front().local || lost)) {
    if (slots_.front().local && !slots_.front().ready) {
      break;  // a diverted request's reply is still on its way: what follows waits for it
    }
    Slot slot = std::move(slots_.front());
    slots_.pop_front();
    if (!slot.local) {
      continue;
    }
    Item reply;
    reply.bytes.assign(slot.reply.begin(), slot.reply.end());
    pushItem(Way::Down, std::move(reply));
    link_->local_replies.fetch_add(1, std::memory_order_relaxed);
    if (slot.close_after) {
      Item close;
      close.kind = Item::Kind::Close;
      pushItem(Way::Down, std::move(close));
    }
  }
}

void LinkSession::finishWay(Way w) {
  way(w).finished = true;
  if (way(Way::Up).finished && way(Way::Down).finished) {
    closeNow(false);
  }
}

void LinkSession::closeNow(bool reset) {
  if (closed_) {
    return;
  }
  closed_ = true;
  boost::system::error_code ignored;
  if (reset) {
    // SO_LINGER 0 then close: the kernel sends RST and drops what is unsent (reset_peer).
    client_.set_option(asio::socket_base::linger(true, 0), ignored);
    target_.set_option(asio::socket_base::linger(true, 0), ignored);
  }
  client_.close(ignored);
  target_.close(ignored);
  side_.close(ignored);
  for (Outbound* o : {&to_target_, &to_client_}) {
    for (Timer* timer :
         {o->wakeup.get(), o->space.get(), o->due.get(), o->pace.get(), o->pause.get()}) {
      timer->cancel();
    }
    o->queue.clear();
    o->queued_bytes = 0;
  }
  reset_timer_->cancel();
  link_->active.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace outrider::faults::detail
