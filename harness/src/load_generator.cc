#include "outrider/harness/load_generator.h"

#include <fmt/format.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/read.hpp>
#include <cerrno>
#include <deque>
#include <exception>
#include <iterator>
#include <mutex>
#include <optional>

#include "outrider/common/path_template.h"
#include "outrider/common/url.h"
#include "outrider/tls/handshake_failure.h"
#include "outrider/tls/peer_certificate.h"
#include "outrider/tls/stamped_context.h"

namespace outrider::harness {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;
using namespace std::chrono_literals;

namespace {

constexpr auto UseTuple = asio::as_tuple(asio::use_awaitable);
constexpr uint32_t MaxConnections = 10'000;

// Reads a response's status line and framing and throws the rest away: the generator needs the
// status, the keep-alive decision and the end of the message; with [load] expect, the fields and
// body are shown to the matcher as they stream past. No field or body is ever stored (no
// allocation per reply).
class StatusParser final : public http::basic_parser<false> {
 public:
  StatusParser(const ReplyMatcher* matcher, ReplyCheck* check)
      : fields_to_(matcher != nullptr && matcher->readsHeaders() ? matcher : nullptr),
        body_to_(matcher != nullptr && matcher->readsBody() ? matcher : nullptr),
        check_(check) {}
  int status() const { return status_; }

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       beast::error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, beast::error_code&) override {
    status_ = code;
  }
  void on_field_impl(http::field, beast::string_view name, beast::string_view value,
                     beast::error_code&) override {
    if (fields_to_ != nullptr) {
      fields_to_->onField({name.data(), name.size()}, {value.data(), value.size()}, *check_);
    }
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) override {}
  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    if (body_to_ != nullptr) {
      body_to_->onBody({body.data(), body.size()}, *check_);
    }
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                 beast::error_code&) override {
    if (body_to_ != nullptr) {
      body_to_->onBody({body.data(), body.size()}, *check_);
    }
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}

  const ReplyMatcher* fields_to_;
  const ReplyMatcher* body_to_;
  ReplyCheck* check_;
  int status_ = 0;
};

// A connection idle longer than this is checked before reuse: servers close idle keep-alive
// connections, and a request written into one would fail through no fault of the target.
constexpr auto StaleCheckAfter = 100ms;

// True when the peer has closed the connection (EOF, reset) or, when `bytes_mean_closed`, sent
// something unasked for; one non-blocking peek, only after an idle spell. A TLS connection that
// has not read a reply yet may hold the server's session tickets: those are not a close.
bool closedByPeer(tcp::socket& socket, bool bytes_mean_closed) {
  char byte = 0;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0) {
    return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  }
  return n == 0 || bytes_mean_closed;  // 0: orderly close; > 0: bytes nobody asked for
}

// How long a planned TLS close waits for the peer's close_notify (or its close) before it drops
// the connection: it runs beside the load, but the run ends only once it has.
constexpr auto TlsShutdownGrace = 100ms;

size_t reasonIndex(std::string_view reason) {
  const auto* begin = std::begin(tls::HandshakeFailureReasons);
  const auto* end = std::end(tls::HandshakeFailureReasons);
  const auto* found = std::find(begin, end, reason);
  return static_cast<size_t>((found == end ? end - 1 : found) - begin);
}

int64_t unixMs(SystemTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// RFC 9110 tchar: what a method or a header name may contain.
bool isToken(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool hasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Result<void> validate(const LoadConfig& config) {
  if (config.host.empty() || hasControl(config.host)) {
    return makeError(ErrorCode::InvalidArgument, "load host must be a non-empty name or address");
  }
  if (config.port == 0) {
    return makeError(ErrorCode::InvalidArgument, "load port must be set");
  }
  if (config.path.empty() || config.path.find(' ') != std::string::npos ||
      hasControl(config.path)) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("load path '{}' must be non-empty, without spaces", config.path));
  }
  if (auto path = PathTemplate::parse(config.path, config.path_seed); !path) {
    return makeError(ErrorCode::InvalidArgument, "load path: " + path.error().message);
  }
  if (!isToken(config.method)) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("load method '{}' is not an HTTP token", config.method));
  }
  if (hasControl(config.host_header)) {
    return makeError(ErrorCode::InvalidArgument, "load Host header has control characters");
  }
  for (const auto& [name, value] : config.headers) {
    if (!isToken(name) || hasControl(value)) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("load header '{}' has an invalid name or value", name));
    }
    if (equalsIgnoreCase(name, "content-length") || equalsIgnoreCase(name, "transfer-encoding")) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("load header '{}' is set by the generator", name));
    }
  }
  if (config.connections == 0 || config.connections > MaxConnections) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("load connections must be in [1, {}], got {}", MaxConnections,
                                 config.connections));
  }
  if (config.timeout <= 0ns) {
    return makeError(ErrorCode::InvalidArgument, "load timeout must be positive");
  }
  if (config.late_threshold < 0ns || config.reconnect_backoff_initial < 0ns ||
      config.reconnect_backoff_max < config.reconnect_backoff_initial) {
    return makeError(ErrorCode::InvalidArgument,
                     "load late threshold and reconnect back-off must be >= 0, initial <= max");
  }
  return {};
}

// The request from the path's end on (" HTTP/1.1\r\n" and the rest), built once.
std::string serializeAfterPath(const LoadConfig& config) {
  std::string out = " HTTP/1.1\r\n";
  bool has_host = false;
  for (const auto& [name, value] : config.headers) {
    has_host = has_host || equalsIgnoreCase(name, "host");
  }
  if (!has_host) {
    const std::string& host = config.host_header.empty()
                                  ? fmt::format("{}:{}", config.host, config.port)
                                  : config.host_header;
    out += fmt::format("Host: {}\r\n", host);
  }
  for (const auto& [name, value] : config.headers) {
    out += fmt::format("{}: {}\r\n", name, value);
  }
  const bool expects_body =
      config.method == "POST" || config.method == "PUT" || config.method == "PATCH";
  if (!config.body.empty() || expects_body) {
    out += fmt::format("Content-Length: {}\r\n", config.body.size());
  }
  out += "\r\n";
  out += config.body;
  return out;
}

// The request as bytes, built once: every send is one write of this buffer (a path that varies
// per request is written between the method and serializeAfterPath's bytes instead).
std::string serializeRequest(const LoadConfig& config) {
  return config.method + " " + config.path + serializeAfterPath(config);
}

// Single-writer counters for the progress snapshot: the io thread stores, readers load.
void bump(std::atomic<uint64_t>& counter, uint64_t by = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

}  // namespace

Result<LoadTarget> parseLoadTarget(std::string_view url) {
  auto parsed = parseUrl(url, {"http", "https"}, UrlPort::SchemeDefault);
  if (!parsed) {
    return makeError(ErrorCode::InvalidArgument, "load target " + parsed.error().message);
  }
  return LoadTarget{parsed->host, parsed->port, parsed->target, parsed->scheme == "https"};
}

// Everything of one run; lives behind LoadGenerator so the header stays free of Beast.
class LoadGenerator::Engine {
 public:
  Engine(asio::io_context& io, const Clock& clock, LoadConfig config, LoadSchedule schedule,
         PathTemplate path, std::unique_ptr<tls::StampedContext> tls_context)
      : io_(io),
        clock_(clock),
        config_(std::move(config)),
        schedule_(schedule),
        path_(std::move(path)),
        request_(path_.varies() ? config_.method + " " : serializeRequest(config_)),
        request_rest_(path_.varies() ? serializeAfterPath(config_) : std::string()),
        head_request_(config_.method == "HEAD"),
        matcher_(config_.expect ? std::make_unique<const ReplyMatcher>(*config_.expect) : nullptr),
        tls_context_(std::move(tls_context)),
        server_name_(config_.tls && !config_.tls->server_name.empty() ? config_.tls->server_name
                                                                      : config_.host),
        dispatch_timer_(io),
        all_done_(io) {
    const int64_t seconds = (schedule_.duration().count() + 999'999'999) / 1'000'000'000;
    series_.resize(static_cast<size_t>(seconds));
    for (auto& second : series_) {
      second.group_counts.assign(config_.status_groups.size(), 0);
      second.group_latency.resize(config_.status_groups.size());
    }
    connections_.reserve(config_.connections);
    for (uint32_t id = 0; id < config_.connections; ++id) {
      connections_.push_back(std::make_unique<Connection>(io));
      if (path_.varies()) {
        connections_.back()->request.reserve(request_.size() + path_.maxLength() +
                                             request_rest_.size());
      }
      if (matcher_) {
        matcher_->prepare(connections_.back()->check);
      }
    }
  }

  asio::awaitable<LoadResult> run();
  void stop(std::weak_ptr<Engine> self);
  LoadSnapshot snapshot() const;
  ServedCertificates servedCertificates() const {
    std::lock_guard lock(served_mutex_);
    return served_;
  }
  const LoadConfig& config() const { return config_; }
  const LoadSchedule& schedule() const { return schedule_; }

 private:
  struct Connection {
    explicit Connection(asio::io_context& io) : socket(io), wake(io), watchdog(io) {
      watchdog.expires_at(asio::steady_timer::time_point::max());  // parked until a request
    }
    tcp::socket socket;  // plain http; https moves it into `tls` once connected
    // https: the current connection's stream (owning the socket) and the context it was made
    // from, kept alive with it. Replaced only at the next connect, never while an op is pending.
    std::shared_ptr<TlsStream> tls;
    tls::ContextPtr tls_context;
    std::string_view handshake_failure;  // the last connect's TLS failure reason, or empty
    uint64_t served = 0;                 // replies on the current connection
    beast::flat_buffer buffer;
    std::string request;  // a varying [load] path: the current request's bytes, reserved once
    ReplyCheck check;                  // [load] expect's progress through the current reply
    asio::steady_timer wake;           // idle or backing off: waits here
    asio::steady_timer watchdog;       // closes the socket when the in-flight deadline passes
    std::optional<uint64_t> assigned;  // handed over by the dispatcher while idle
    MonotonicTime deadline{};
    MonotonicTime last_used{};  // the last connect or reply
    MonotonicTime handed_at{};  // when its current request was handed to it
    std::chrono::nanoseconds backoff{0};
    bool connected = false;
    bool in_flight = false;
    bool deadline_hit = false;
    bool watchdog_parked = true;
    bool closing = false;
  };

  asio::awaitable<void> dispatchLoop();
  asio::awaitable<void> connectionLoop(Connection* conn);
  asio::awaitable<void> watchdogLoop(Connection* conn);
  asio::awaitable<bool> connect(Connection* conn);
  asio::awaitable<void> execute(Connection* conn, uint64_t index);
  asio::awaitable<bool> handshake(Connection* conn);
  asio::awaitable<void> closeTls(std::shared_ptr<TlsStream> stream, tls::ContextPtr context);
  void closeAfterUse(Connection* conn);
  void countTlsFailure(uint64_t index, std::string_view reason);
  void recordServed(const SSL* ssl, MonotonicTime now);
  tcp::socket& socketOf(Connection* conn) {
    return conn->tls ? conn->tls->next_layer() : conn->socket;
  }
  void spawn(asio::awaitable<void> task);
  void taskDone();

  void becameDue(uint64_t index, MonotonicTime now);
  std::optional<uint64_t> takePending(MonotonicTime now);
  void expirePending(MonotonicTime now);
  void markNotSent(uint64_t index);
  void markFailed(Connection* conn, uint64_t index, bool timed_out);
  // A write or read error: markFailed, and a TLS failure when it is the handshake's after all.
  void failAfterHandshake(Connection* conn, uint64_t index, const boost::system::error_code& ec);
  void keepFailure(uint64_t index, std::optional<MonotonicTime> sent);
  void closeSocket(Connection* conn);
  void beginInFlight(Connection* conn, MonotonicTime deadline, MonotonicTime now);
  void compactSeries(MonotonicTime now);

  MonotonicTime scheduledAt(uint64_t index) const { return t0_ + schedule_.offsetOf(index); }
  LoadCounts& countsFor(uint64_t index) {
    return schedule_.isWarmup(index) ? warmup_counts_ : counts_;
  }
  LoadSecond* secondFor(uint64_t index) {
    return schedule_.isWarmup(index) ? nullptr : &series_[schedule_.secondOf(index)];
  }
  template <class Field>
  void count(uint64_t index, Field field) {
    ++(countsFor(index).*field);
    if (LoadSecond* second = secondFor(index)) {
      ++(second->counts.*field);
    }
  }
  void countCompletionForRps(MonotonicTime done);

  asio::io_context& io_;
  const Clock& clock_;
  const LoadConfig config_;
  const LoadSchedule schedule_;
  const PathTemplate path_;
  // The request's bytes; with a varying path, what comes before it ("GET ") and request_rest_
  // what follows it.
  const std::string request_;
  const std::string request_rest_;
  const bool head_request_;
  const std::unique_ptr<const ReplyMatcher> matcher_;       // [load] expect, or null
  const std::unique_ptr<tls::StampedContext> tls_context_;  // https only
  const std::string server_name_;

  tcp::resolver::results_type endpoints_;
  boost::system::error_code resolve_error_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::deque<Connection*> idle_;  // round robin keeps every keep-alive connection warm
  std::deque<uint64_t> pending_;  // due, waiting for a connection, in schedule order
  asio::steady_timer dispatch_timer_;
  asio::steady_timer all_done_;
  size_t live_tasks_ = 0;
  bool started_ = false;
  bool ending_ = false;
  bool stop_requested_ = false;
  MonotonicTime t0_{};
  uint64_t made_due_ = 0;
  size_t compacted_seconds_ = 0;

  LoadCounts counts_;
  LoadCounts warmup_counts_;
  Histogram latency_;
  Histogram service_time_;
  Histogram send_delay_;
  std::vector<LoadSecond> series_;
  std::vector<FailedRequest> failures_;
  uint64_t failures_not_kept_ = 0;
  uint64_t connections_opened_ = 0;
  uint64_t connect_errors_ = 0;
  Histogram connect_time_;
  Histogram tls_handshake_;
  std::array<uint64_t, std::size(tls::HandshakeFailureReasons)> tls_failures_{};
  mutable std::mutex served_mutex_;  // taken per handshake, never on the plain-http path
  ServedCertificates served_;

  // The snapshot's view, written by the io thread only.
  std::atomic<bool> running_{false};
  std::atomic<int64_t> t0_ns_{0};
  std::atomic<uint64_t> snap_scheduled_{0};
  std::atomic<uint64_t> snap_sent_{0};
  std::atomic<uint64_t> snap_completed_{0};
  std::atomic<uint64_t> snap_errors_{0};
  std::atomic<uint64_t> snap_queued_{0};
  std::array<std::atomic<int64_t>, 4> rps_second_{};
  std::array<std::atomic<uint64_t>, 4> rps_count_{};
};

void LoadGenerator::Engine::spawn(asio::awaitable<void> task) {
  ++live_tasks_;
  // The completion handler is a co_spawn token, not part of a co_await expression (GCC 12).
  asio::co_spawn(io_, std::move(task), [this](std::exception_ptr) { taskDone(); });
}

void LoadGenerator::Engine::taskDone() {
  --live_tasks_;
  if (live_tasks_ == 0) {
    all_done_.cancel();
  }
}

asio::awaitable<LoadResult> LoadGenerator::Engine::run() {
  LoadResult result;
  if (started_) {
    co_return result;  // run() is once; a second call reports nothing
  }
  started_ = true;
  running_.store(true, std::memory_order_relaxed);

  // Resolve before t0 so a name lookup never eats into the schedule.
  tcp::resolver resolver(io_);
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(config_.host, std::to_string(config_.port), UseTuple);
  resolve_error_ = resolve_ec;
  endpoints_ = std::move(endpoints);

  t0_ = config_.start.value_or(clock_.monotonicNow());
  t0_ns_.store(t0_.time_since_epoch().count(), std::memory_order_relaxed);
  for (auto& conn : connections_) {
    spawn(connectionLoop(conn.get()));
    spawn(watchdogLoop(conn.get()));
  }

  co_await dispatchLoop();

  // The end: nothing queued will be sent, idle and backing-off connections leave, in-flight
  // requests finish or hit their deadline.
  ending_ = true;
  expirePending(MonotonicTime::max());
  idle_.clear();
  for (auto& conn : connections_) {
    conn->wake.cancel();
  }
  while (live_tasks_ > 0) {
    all_done_.expires_at(asio::steady_timer::time_point::max());
    co_await all_done_.async_wait(UseTuple);
  }
  running_.store(false, std::memory_order_relaxed);

  compactSeries(MonotonicTime::max());
  result.started_at = t0_;
  result.elapsed = clock_.monotonicNow() - t0_;
  result.stopped_early = made_due_ < schedule_.total();
  result.planned = schedule_.measuredCount();
  result.counts = counts_;
  result.warmup_counts = warmup_counts_;
  result.latency_ms = summarizeLatency(latency_);
  result.service_time_ms = summarizeLatency(service_time_);
  result.latency = std::move(latency_);
  result.service_time = std::move(service_time_);
  result.send_delay = std::move(send_delay_);
  result.series = std::move(series_);
  result.failures = std::move(failures_);
  result.failures_not_kept = failures_not_kept_;
  result.connections_opened = connections_opened_;
  result.connect_errors = connect_errors_;
  result.connect_time = std::move(connect_time_);
  if (tls_context_) {
    result.tls = true;
    result.tls_handshake = std::move(tls_handshake_);
    for (size_t i = 0; i < tls_failures_.size(); ++i) {
      if (tls_failures_[i] > 0) {
        result.tls_failures[std::string(tls::HandshakeFailureReasons[i])] = tls_failures_[i];
      }
    }
    result.tls_served = servedCertificates();
    result.tls_context_reloads = tls_context_->reloads();
    result.tls_context_reload_failures = tls_context_->reloadFailures();
  }
  co_return result;
}

asio::awaitable<void> LoadGenerator::Engine::dispatchLoop() {
  const uint64_t total = schedule_.total();
  while (!stop_requested_) {
    const MonotonicTime now = clock_.monotonicNow();
    const auto elapsed = now - t0_;
    // Everything due by now goes out in one batch, so a late wake-up never shifts the plan.
    const uint64_t due = schedule_.dueBy(elapsed);
    for (; made_due_ < due; ++made_due_) {
      becameDue(made_due_, now);
    }
    compactSeries(now);
    if (made_due_ >= total) {
      if (elapsed >= schedule_.duration()) {
        break;
      }
      // The run lasts its whole duration even after its last request is due.
      dispatch_timer_.expires_after(schedule_.duration() - elapsed);
    } else {
      dispatch_timer_.expires_after(schedule_.offsetOf(made_due_) - elapsed);
    }
    co_await dispatch_timer_.async_wait(UseTuple);
  }
}

void LoadGenerator::Engine::becameDue(uint64_t index, MonotonicTime now) {
  count(index, &LoadCounts::scheduled);
  bump(snap_scheduled_);
  const auto lag = now - scheduledAt(index);
  if (lag > config_.late_threshold) {
    // The generator itself noticed this request late (a blocked loop, a starved CPU).
    count(index, &LoadCounts::late_dispatch);
    if (lag > config_.stall_threshold) {
      count(index, &LoadCounts::stalled_dispatch);
    }
  }
  if (!idle_.empty()) {
    Connection* conn = idle_.front();
    idle_.pop_front();
    conn->assigned = index;
    conn->wake.cancel();
    return;
  }
  pending_.push_back(index);
  expirePending(now);
  snap_queued_.store(pending_.size(), std::memory_order_relaxed);
}

void LoadGenerator::Engine::expirePending(MonotonicTime now) {
  // The queue is in schedule order, so expired requests are all at its front.
  while (!pending_.empty() && scheduledAt(pending_.front()) + config_.timeout <= now) {
    markNotSent(pending_.front());
    pending_.pop_front();
  }
  snap_queued_.store(pending_.size(), std::memory_order_relaxed);
}

std::optional<uint64_t> LoadGenerator::Engine::takePending(MonotonicTime now) {
  expirePending(now);
  if (pending_.empty()) {
    return std::nullopt;
  }
  const uint64_t index = pending_.front();
  pending_.pop_front();
  snap_queued_.store(pending_.size(), std::memory_order_relaxed);
  return index;
}

void LoadGenerator::Engine::markNotSent(uint64_t index) {
  count(index, &LoadCounts::not_sent);
  bump(snap_errors_);
  keepFailure(index, std::nullopt);
}

void LoadGenerator::Engine::keepFailure(uint64_t index, std::optional<MonotonicTime> sent) {
  if (schedule_.isWarmup(index)) {
    return;
  }
  if (failures_.size() >= LoadResult::MaxFailuresKept) {
    ++failures_not_kept_;
    return;
  }
  FailedRequest failure;
  failure.scheduled = schedule_.offsetOf(index);
  if (sent) {
    failure.sent = *sent - t0_;
  }
  failures_.push_back(failure);
}

asio::awaitable<void> LoadGenerator::Engine::connectionLoop(Connection* conn) {
  {
    // Warm the connection before its first request, bounded like a request; failures only count.
    const MonotonicTime now = clock_.monotonicNow();
    beginInFlight(conn, now + config_.timeout, now);
    co_await connect(conn);
    conn->in_flight = false;
  }
  for (;;) {
    std::optional<uint64_t> next = takePending(clock_.monotonicNow());
    if (!next) {
      if (ending_) {
        break;
      }
      conn->assigned.reset();
      idle_.push_back(conn);
      conn->wake.expires_at(asio::steady_timer::time_point::max());
      co_await conn->wake.async_wait(UseTuple);
      if (!conn->assigned) {
        // Woken without work: the run is ending (the dispatcher cleared idle_).
        auto it = std::find(idle_.begin(), idle_.end(), conn);
        if (it != idle_.end()) {
          idle_.erase(it);
        }
        if (ending_) {
          break;
        }
        continue;
      }
      next = conn->assigned;
      conn->assigned.reset();
    }
    co_await execute(conn, *next);
    if (conn->backoff > 0ns && !ending_) {
      conn->wake.expires_after(conn->backoff);
      co_await conn->wake.async_wait(UseTuple);
    }
  }
  conn->closing = true;
  if (conn->tls && conn->connected) {
    closeAfterUse(conn);  // close_notify, as at the end of any TLS conversation
  }
  closeSocket(conn);
  conn->watchdog.cancel();
}

asio::awaitable<void> LoadGenerator::Engine::watchdogLoop(Connection* conn) {
  for (;;) {
    co_await conn->watchdog.async_wait(UseTuple);
    if (conn->closing) {
      break;
    }
    const MonotonicTime now = clock_.monotonicNow();
    if (conn->in_flight && now >= conn->deadline) {
      if (!conn->deadline_hit) {
        // Aborts the pending connect, write or read; execute() counts the timeout.
        conn->deadline_hit = true;
        closeSocket(conn);
      }
    } else if (conn->in_flight) {
      // Armed for an earlier request of this connection; follow the current one.
      conn->watchdog.expires_after(conn->deadline - now);
      continue;
    }
    // Idle: sleep until beginInFlight() re-arms it, costing nothing per request meanwhile.
    conn->watchdog_parked = true;
    conn->watchdog.expires_at(asio::steady_timer::time_point::max());
  }
}

void LoadGenerator::Engine::beginInFlight(Connection* conn, MonotonicTime deadline,
                                          MonotonicTime now) {
  conn->in_flight = true;
  conn->deadline_hit = false;
  conn->deadline = deadline;
  if (conn->watchdog_parked) {
    conn->watchdog_parked = false;
    conn->watchdog.expires_after(std::max<std::chrono::nanoseconds>(deadline - now, 0ns));
  }
}

void LoadGenerator::Engine::closeSocket(Connection* conn) {
  boost::system::error_code ignored;
  socketOf(conn).close(ignored);
  conn->connected = false;
}

void LoadGenerator::Engine::closeAfterUse(Connection* conn) {
  conn->connected = false;
  if (!conn->tls) {
    boost::system::error_code ignored;
    conn->socket.close(ignored);
    return;
  }
  // The stream leaves the connection, which connects anew at once; its close runs beside.
  spawn(closeTls(std::move(conn->tls), std::move(conn->tls_context)));
}

asio::awaitable<void> LoadGenerator::Engine::closeTls(std::shared_ptr<TlsStream> stream,
                                                      tls::ContextPtr context) {
  // close_notify, then the peer's own or its close; a peer that does neither is cut off after
  // the grace by closing the socket under the pending read. The timer's handler holds the
  // stream, not the engine, so it may run after the run has ended.
  asio::steady_timer grace(io_);
  grace.expires_after(std::min<std::chrono::nanoseconds>(TlsShutdownGrace, config_.timeout));
  auto cut = [stream](boost::system::error_code ec) {
    if (!ec) {
      boost::system::error_code ignored;
      stream->next_layer().close(ignored);
    }
  };
  grace.async_wait(cut);
  auto [ec] = co_await stream->async_shutdown(UseTuple);
  grace.cancel();
  boost::system::error_code ignored;
  stream->next_layer().close(ignored);
  (void)ec;  // a peer that closed without close_notify is no failure of any request
  (void)context;
}

asio::awaitable<bool> LoadGenerator::Engine::connect(Connection* conn) {
  conn->buffer.clear();
  conn->served = 0;
  conn->handshake_failure = {};
  if (conn->tls) {
    // The last stream was closed by a failure or the watchdog; no operation is pending on it.
    conn->tls.reset();
    conn->tls_context.reset();
  }
  const MonotonicTime began = clock_.monotonicNow();
  boost::system::error_code ec = resolve_error_;
  if (!ec) {
    auto [connect_ec, endpoint] = co_await asio::async_connect(conn->socket, endpoints_, UseTuple);
    ec = connect_ec;
  }
  if (ec) {
    ++connect_errors_;
    closeSocket(conn);
    co_return false;
  }
  conn->socket.set_option(tcp::no_delay(true), ec);
  connect_time_.record((clock_.monotonicNow() - began).count());
  if (tls_context_) {
    const bool secured = co_await handshake(conn);
    if (!secured) {
      ++connect_errors_;
      closeSocket(conn);
      co_return false;
    }
  }
  conn->connected = true;
  conn->last_used = clock_.monotonicNow();
  ++connections_opened_;
  co_return true;
}

asio::awaitable<bool> LoadGenerator::Engine::handshake(Connection* conn) {
  // The files as they are now: a rotation reaches this connection. No session is offered for
  // resumption (the client context keeps none), so the server's certificate is verified anew.
  tls::ContextPtr context = tls_context_->current();
  conn->tls = std::make_shared<TlsStream>(std::move(conn->socket), *context);
  conn->tls_context = std::move(context);
  SSL* ssl = conn->tls->native_handle();
  tls::setVerificationTime(ssl, clock_.systemNow());
  if (!tls::setServerName(ssl, server_name_)) {
    conn->handshake_failure = "protocol";
    co_return false;
  }
  const MonotonicTime began = clock_.monotonicNow();
  auto [ec] = co_await conn->tls->async_handshake(asio::ssl::stream_base::client, UseTuple);
  const MonotonicTime done = clock_.monotonicNow();
  if (ec) {
    conn->handshake_failure = tls::classifyHandshakeFailure(ec, ssl, conn->deadline_hit).reason;
    co_return false;
  }
  tls_handshake_.record((done - began).count());
  recordServed(ssl, done);
  co_return true;
}

void LoadGenerator::Engine::recordServed(const SSL* ssl, MonotonicTime now) {
  const auto validity = tls::peerValidity(ssl);
  if (!validity) {
    return;  // no certificate (not possible with our ciphers), nothing to show
  }
  const auto since_t0 = std::max<std::chrono::nanoseconds>(now - t0_, 0ns);
  {
    std::lock_guard lock(served_mutex_);
    served_.record(*validity, since_t0);
  }
  const auto second = static_cast<size_t>(since_t0 / 1s);
  if (second < series_.size()) {
    LoadSecond& into = series_[second];
    ++into.tls_handshakes;
    const int64_t not_after = unixMs(validity->not_after);
    if (!into.tls_min_not_after_ms || not_after < *into.tls_min_not_after_ms) {
      into.tls_min_not_after_ms = not_after;
    }
  }
}

void LoadGenerator::Engine::countTlsFailure(uint64_t index, std::string_view reason) {
  count(index, &LoadCounts::tls_failed);
  if (!schedule_.isWarmup(index)) {
    ++tls_failures_[reasonIndex(reason)];
  }
}

asio::awaitable<void> LoadGenerator::Engine::execute(Connection* conn, uint64_t index) {
  const MonotonicTime scheduled = scheduledAt(index);
  const MonotonicTime deadline = scheduled + config_.timeout;
  count(index, &LoadCounts::sent);
  bump(snap_sent_);
  conn->handed_at = clock_.monotonicNow();
  beginInFlight(conn, deadline, conn->handed_at);

  if (conn->connected && clock_.monotonicNow() - conn->last_used > StaleCheckAfter &&
      closedByPeer(socketOf(conn), !conn->tls || conn->served > 0)) {
    closeSocket(conn);  // the server dropped it while idle: reconnect instead of failing
  }
  if (!conn->connected) {
    const bool connected = co_await connect(conn);
    if (!connected) {
      conn->in_flight = false;
      if (!conn->handshake_failure.empty()) {
        countTlsFailure(index, conn->handshake_failure);
      }
      markFailed(conn, index, conn->deadline_hit);
      co_return;
    }
  }

  const MonotonicTime sent_at = clock_.monotonicNow();
  const auto send_delay = sent_at - scheduled;
  if (send_delay > config_.late_threshold) {
    count(index, &LoadCounts::late);
  }
  if (!schedule_.isWarmup(index)) {
    send_delay_.record(send_delay.count());
  }

  // Plain and TLS apart, each its own awaited operation: the plain path stays as it was.
  boost::system::error_code write_ec;
  asio::const_buffer bytes = asio::buffer(request_);
  if (path_.varies()) {
    // One buffer, not a gathered write: a TLS stream would make each piece its own record.
    conn->request.assign(request_);
    path_.appendTo(index, conn->request);
    conn->request += request_rest_;
    bytes = asio::buffer(conn->request);
  }
  if (conn->tls) {
    auto [ec, written] = co_await asio::async_write(*conn->tls, bytes, UseTuple);
    write_ec = ec;
  } else {
    auto [ec, written] = co_await asio::async_write(conn->socket, bytes, UseTuple);
    write_ec = ec;
  }
  if (write_ec) {
    conn->in_flight = false;
    failAfterHandshake(conn, index, write_ec);
    co_return;
  }

  conn->check.reset();
  StatusParser parser(matcher_.get(), &conn->check);
  parser.body_limit(boost::none);  // replies are discarded as they stream in
  if (head_request_) {
    parser.skip(true);
  }
  boost::system::error_code read_ec;
  if (conn->tls) {
    auto [ec, read] = co_await http::async_read(*conn->tls, conn->buffer, parser, UseTuple);
    read_ec = ec;
  } else {
    auto [ec, read] = co_await http::async_read(conn->socket, conn->buffer, parser, UseTuple);
    read_ec = ec;
  }
  const MonotonicTime done = clock_.monotonicNow();
  conn->in_flight = false;
  conn->last_used = done;
  if (read_ec) {
    failAfterHandshake(conn, index, read_ec);
    co_return;
  }
  conn->backoff = 0ns;
  ++conn->served;
  if (!parser.keep_alive()) {
    closeSocket(conn);  // the server said close: reconnect for the next request, no penalty
  } else if (config_.requests_per_connection > 0 &&
             conn->served >= config_.requests_per_connection) {
    closeAfterUse(conn);  // the next request opens (and handshakes) a new one
  }
  if (done > deadline) {
    // A full reply, but after the deadline the scenario set: a timeout all the same. Its
    // latency is known, so the second's percentiles keep it (the run's summary does not).
    count(index, &LoadCounts::timed_out);
    bump(snap_errors_);
    keepFailure(index, conn->handed_at);
    if (LoadSecond* second = secondFor(index)) {
      second->latency.record((done - scheduled).count());
    }
    co_return;
  }
  count(index, &LoadCounts::completed);
  bump(snap_completed_);
  countCompletionForRps(done);
  const int status = parser.status();
  const bool unexpected = matcher_ && !matcher_->matches(status, conn->check);
  if (unexpected) {
    // A reply from the wrong service: an outage, bad for every SLI (a 5xx is bad already).
    count(index, &LoadCounts::unexpected);
    if (status >= 500 && status < 600) {
      count(index, &LoadCounts::unexpected_5xx);
    } else {
      bump(snap_errors_);
      keepFailure(index, conn->handed_at);
    }
  }
  if (status >= 100 && status < 200) {
    count(index, &LoadCounts::status_1xx);
  } else if (status < 300 && status >= 200) {
    count(index, &LoadCounts::status_2xx);
  } else if (status >= 300 && status < 400) {
    count(index, &LoadCounts::status_3xx);
  } else if (status >= 400 && status < 500) {
    count(index, &LoadCounts::status_4xx);
  } else if (status >= 500 && status < 600) {
    count(index, &LoadCounts::status_5xx);
    bump(snap_errors_);
    keepFailure(index, conn->handed_at);
  } else {
    count(index, &LoadCounts::status_other);
  }
  if (LoadSecond* second = secondFor(index)) {
    const int64_t latency = (done - scheduled).count();
    latency_.record(latency);
    service_time_.record((done - sent_at).count());
    second->latency.record(latency);
    if (unexpected) {
      // Good for no SLO: in no group and not in ok_latency (counted in errors()).
    } else if (const int group = config_.status_groups.groupOf(status); group >= 0) {
      ++second->group_counts[static_cast<size_t>(group)];
      second->group_latency[static_cast<size_t>(group)].record(latency);
    } else if (status < 500 || status >= 600) {
      second->ok_latency.record(latency);
    }
  }
}

void LoadGenerator::Engine::failAfterHandshake(Connection* conn, uint64_t index,
                                               const boost::system::error_code& ec) {
  // TLS 1.3 finishes the client's handshake before the server has checked the client's
  // certificate: a refusal arrives as an alert on the first read of a fresh connection.
  if (conn->tls && conn->served == 0 && !conn->deadline_hit &&
      ec.category() == asio::error::get_ssl_category()) {
    countTlsFailure(index,
                    tls::classifyHandshakeFailure(ec, conn->tls->native_handle(), false).reason);
  }
  markFailed(conn, index, conn->deadline_hit);
}

void LoadGenerator::Engine::markFailed(Connection* conn, uint64_t index, bool timed_out) {
  closeSocket(conn);
  bump(snap_errors_);
  keepFailure(index, conn->handed_at);
  if (timed_out) {
    // A slow target, not a broken one: reconnect at once. The request waited the whole timeout
    // at least: its second's percentiles count it there, so a second in which every request
    // timed out reads the timeout, not 0.
    count(index, &LoadCounts::timed_out);
    if (LoadSecond* second = secondFor(index)) {
      second->latency.record(config_.timeout.count());
    }
    return;
  }
  count(index, &LoadCounts::failed);
  conn->backoff = conn->backoff == 0ns ? config_.reconnect_backoff_initial
                                       : std::min(conn->backoff * 2, config_.reconnect_backoff_max);
}

void LoadGenerator::Engine::countCompletionForRps(MonotonicTime done) {
  const int64_t second = (done - t0_).count() / 1'000'000'000;
  const size_t slot = static_cast<size_t>(second) % rps_second_.size();
  if (rps_second_[slot].load(std::memory_order_relaxed) != second) {
    rps_count_[slot].store(0, std::memory_order_relaxed);
    rps_second_[slot].store(second, std::memory_order_release);
  }
  bump(rps_count_[slot]);
}

void LoadGenerator::Engine::compactSeries(MonotonicTime now) {
  // A second's histogram is final once its last request's deadline has passed (1 s of slack for
  // the watchdog); compacting it keeps long runs at a few KiB per second.
  while (compacted_seconds_ < series_.size()) {
    const auto closes = t0_ + std::chrono::seconds(compacted_seconds_ + 2) + config_.timeout;
    if (now != MonotonicTime::max() && now < closes) {
      break;
    }
    series_[compacted_seconds_].latency.compact();
    series_[compacted_seconds_].ok_latency.compact();
    for (auto& histogram : series_[compacted_seconds_].group_latency) {
      histogram.compact();
    }
    if (config_.on_second_final) {
      config_.on_second_final(compacted_seconds_, series_[compacted_seconds_]);
    }
    ++compacted_seconds_;
  }
}

void LoadGenerator::Engine::stop(std::weak_ptr<Engine> self) {
  // A weak reference: a stop() racing the generator's destruction finds nothing to stop.
  asio::post(io_, [self = std::move(self)] {
    if (auto engine = self.lock()) {
      engine->stop_requested_ = true;
      engine->dispatch_timer_.cancel();
    }
  });
}

LoadSnapshot LoadGenerator::Engine::snapshot() const {
  LoadSnapshot snap;
  snap.running = running_.load(std::memory_order_relaxed);
  const int64_t t0 = t0_ns_.load(std::memory_order_relaxed);
  if (t0 != 0) {
    snap.elapsed = std::chrono::nanoseconds(clock_.monotonicNow().time_since_epoch().count() - t0);
  }
  snap.scheduled = snap_scheduled_.load(std::memory_order_relaxed);
  snap.sent = snap_sent_.load(std::memory_order_relaxed);
  snap.completed = snap_completed_.load(std::memory_order_relaxed);
  snap.errors = snap_errors_.load(std::memory_order_relaxed);
  snap.queued = snap_queued_.load(std::memory_order_relaxed);
  const int64_t last_second = snap.elapsed.count() / 1'000'000'000 - 1;
  if (last_second >= 0) {
    const size_t slot = static_cast<size_t>(last_second) % rps_second_.size();
    if (rps_second_[slot].load(std::memory_order_acquire) == last_second) {
      snap.current_rps = static_cast<double>(rps_count_[slot].load(std::memory_order_relaxed));
    }
  }
  return snap;
}

Result<std::unique_ptr<LoadGenerator>> LoadGenerator::create(asio::io_context& io,
                                                             const Clock& clock,
                                                             LoadConfig config) {
  if (auto valid = validate(config); !valid) {
    return tl::unexpected(valid.error());
  }
  auto schedule = LoadSchedule::create(config.rate, config.duration, config.warmup);
  if (!schedule) {
    return tl::unexpected(schedule.error());
  }
  std::unique_ptr<tls::StampedContext> tls_context;
  if (config.tls) {
    auto made = tls::StampedContext::create(tls::Role::Client, config.tls->files);
    if (!made) {
      return makeError(made.error().code, "load TLS: " + made.error().message);
    }
    tls_context = std::move(*made);
  }
  auto path = PathTemplate::parse(config.path, config.path_seed);  // validate() accepted it
  auto engine = std::make_shared<Engine>(io, clock, std::move(config), *schedule, std::move(*path),
                                         std::move(tls_context));
  return std::unique_ptr<LoadGenerator>(new LoadGenerator(std::move(engine)));
}

LoadGenerator::LoadGenerator(std::shared_ptr<Engine> engine) : engine_(std::move(engine)) {}
LoadGenerator::~LoadGenerator() = default;

asio::awaitable<LoadResult> LoadGenerator::run() { return engine_->run(); }
void LoadGenerator::stop() { engine_->stop(engine_); }
LoadSnapshot LoadGenerator::snapshot() const { return engine_->snapshot(); }
ServedCertificates LoadGenerator::servedCertificates() const {
  return engine_->servedCertificates();
}
const LoadConfig& LoadGenerator::config() const { return engine_->config(); }
const LoadSchedule& LoadGenerator::schedule() const { return engine_->schedule(); }

}  // namespace outrider::harness
