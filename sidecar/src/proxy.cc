#include "outrider/sidecar/proxy.h"

#include <fmt/core.h>
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <vector>

#include "directory_watch.h"
#include "downstream_session.h"
#include "event_loops.h"
#include "listener.h"
#include "outrider/common/asio.h"
#include "proxy_shared.h"
#include "published_context.h"

namespace outrider::sidecar {

namespace {

// Descriptors kept back from the data plane for the admin listener, logs and the event loops.
constexpr std::size_t ReservedDescriptors = 64;
constexpr std::size_t MaxAdminConnections = 16;
constexpr std::chrono::seconds AdminHeaderTimeout(5);
constexpr std::chrono::seconds AdminIdleTimeout(30);
// Accept back-off after EMFILE and friends: doubles from the first step up to the last.
constexpr std::chrono::milliseconds FirstAcceptBackoff(5);
constexpr std::chrono::milliseconds MaxAcceptBackoff(1000);
// How often idle pooled connections are checked for a peer's close or stray bytes.
constexpr std::chrono::seconds MaintenancePeriod(1);

// The frame owns the session: params by value, so it outlives the accept loop's iteration.
awaitable<void> runSession(ProxyWorker* worker, tcp::socket socket) {
  DownstreamSession session(*worker, std::move(socket));
  co_await session.run();
}

Result<void> validate(const ProxyOptions& options) {
  const auto positive = [](std::chrono::nanoseconds d) { return d.count() > 0; };
  if (!positive(options.request_timeout) || !positive(options.idle_timeout) ||
      !positive(options.header_timeout) || !positive(options.upstream_connect_timeout) ||
      !positive(options.drain_timeout)) {
    return makeError(ErrorCode::InvalidArgument, "every timeout must be greater than 0");
  }
  if (options.threads < 1 || options.threads > 256) {
    return makeError(ErrorCode::InvalidArgument, "--threads must be 1-256");
  }
  if (options.max_header_size < 256 || options.max_header_size > 1024 * 1024) {
    return makeError(ErrorCode::InvalidArgument, "--max-header-size must be 256B-1MiB");
  }
  if (options.max_upstream_requests < 1) {
    return makeError(ErrorCode::InvalidArgument, "--max-upstream-requests must be at least 1");
  }
  if (options.max_headers < 1 || options.max_headers > 10000) {
    return makeError(ErrorCode::InvalidArgument, "--max-headers must be 1-10000");
  }
  if (options.max_request_line < 64) {
    return makeError(ErrorCode::InvalidArgument, "--max-request-line must be at least 64B");
  }
  if (options.buffer_limit < options.max_header_size + 8 * 1024 ||
      options.buffer_limit > 1024 * 1024 * 1024) {
    return makeError(ErrorCode::InvalidArgument,
                     "--buffer-limit must be at least --max-header-size + 8KiB, at most 1GiB");
  }
  const auto& down = options.downstream_tls;
  if (down.cert.empty() != down.key.empty()) {
    return makeError(ErrorCode::InvalidArgument, "--tls-cert and --tls-key go together");
  }
  if (!down.ca.empty() && down.cert.empty()) {
    return makeError(ErrorCode::InvalidArgument,
                     "--tls-client-ca needs --tls-cert and --tls-key (TLS on the listener)");
  }
  const auto& up = options.upstream_tls;
  if (up.cert.empty() != up.key.empty()) {
    return makeError(ErrorCode::InvalidArgument,
                     "--upstream-tls-cert and --upstream-tls-key go together");
  }
  return {};
}

bool wantsTls(const tls::Files& files) { return !files.cert.empty() || !files.ca.empty(); }

// The TLS context of one side, or nullptr when that side is plain; errors name the flag's files.
Result<std::unique_ptr<PublishedContext>> tlsContextFor(tls::Role role, const tls::Files& files) {
  if (!wantsTls(files)) {
    return std::unique_ptr<PublishedContext>();
  }
  return PublishedContext::create(role, files);
}

// The open-file limit, raised to its hard maximum first (as nginx's worker_rlimit_nofile and the
// Go runtime do): the soft default of 1024 would cap a proxy far below what the host allows.
std::size_t raiseDescriptorLimit() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return 1024;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    struct rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      limit = raised;
    }
  }
  return limit.rlim_cur == RLIM_INFINITY ? std::size_t{1} << 20
                                         : static_cast<std::size_t>(limit.rlim_cur);
}

// Downstream connections the descriptors allow: each may hold one upstream connection, the pools
// keep idle ones, and the reserve stays for the admin listener.
std::size_t connectionLimit(const ProxyOptions& options, std::size_t descriptors) {
  const std::size_t pooled = options.pool_size * options.threads;
  const std::size_t spare =
      descriptors > ReservedDescriptors + pooled ? descriptors - ReservedDescriptors - pooled : 0;
  const std::size_t derived = std::max<std::size_t>(1, spare / 2);
  return options.max_connections == 0 ? derived : std::min(options.max_connections, derived);
}

}  // namespace

class ProxyState {
 public:
  ProxyState(const ProxyOptions& options, const Clock& clock)
      : shared_(options, clock), loops_(std::make_unique<EventLoops>(options.threads)) {}

  ~ProxyState() {
    // Every I/O object goes before the loops; the loops go before what sessions reference.
    acceptor_.reset();
    admin_acceptor_.reset();
    tls_watch_.reset();
    drain_timer_.reset();
    maintenance_timer_.reset();
    for (auto& worker : workers_) {
      worker->tracker.stop();
      worker->pool.closeAll();
    }
    loops_.reset();
  }

  awaitable<void> acceptLoop();
  awaitable<void> adminLoop();
  awaitable<void> serveAdmin(tcp::socket socket);
  // Every MaintenancePeriod on loop 0: reaps dead pooled connections (on each loop) and gives
  // freed heap back to the system once a burst of connections has gone.
  void maintain();
  http::response<http::string_body> adminResponse(
      const http::request<http::string_body>& request) const;
  void startDrain();
  void finish();
  // Control loop: rebuilds each TLS side whose files changed, publishes it, logs and counts.
  void reloadTls();
  void reloadTlsSide(TlsSide side, PublishedContext& context);
  void publishNotAfter(TlsSide side, const PublishedContext& context);

  ProxyShared shared_;
  std::unique_ptr<PublishedContext> downstream_tls_;
  std::unique_ptr<PublishedContext> upstream_tls_;
  std::vector<std::unique_ptr<ProxyWorker>> workers_;
  std::unique_ptr<EventLoops> loops_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<tcp::acceptor> admin_acceptor_;
  // Kept apart from the acceptors, which a drain closes.
  tcp::endpoint listen_endpoint_;
  tcp::endpoint admin_endpoint_;
  std::optional<asio::steady_timer> drain_timer_;
  std::optional<asio::steady_timer> maintenance_timer_;
  std::unique_ptr<DirectoryWatch> tls_watch_;
  std::size_t max_connections_ = 0;
  std::size_t admin_connections_ = 0;
  // The most connections seen open since memory was last trimmed.
  int64_t connection_peak_ = 0;
  bool finished_ = false;
};

// One admin connection: its own header and idle deadlines, swept by loop 0's tracker, so a slow
// scraper or a stuck health checker cannot hold a descriptor for ever.
class AdminConnection final : public TrackedConnection {
 public:
  explicit AdminConnection(tcp::socket& socket) : socket_(socket) {}
  void onDeadline() override {
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }
  void onDrain() override {}

 private:
  tcp::socket& socket_;
};

awaitable<void> ProxyState::acceptLoop() {
  asio::steady_timer backoff(loops_->at(0));
  std::chrono::milliseconds delay{0};
  uint64_t failures = 0;
  for (;;) {
    const std::size_t index = loops_->nextIndex();
    auto [ec, socket] = co_await acceptor_->async_accept(loops_->at(index), UseNothrow);
    if (shared_.isDraining() || ec == asio::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      // EMFILE and friends: the pending connection stays queued, so retrying at once would spin.
      // Back off exponentially and log the start and the end of the episode, not every failure.
      shared_.metrics.acceptErrors().Increment();
      if (failures++ == 0) {
        fmt::print(stderr, "outrider-proxy: accept failed: {}; backing off\n", ec.message());
      }
      delay = std::clamp(delay * 2, FirstAcceptBackoff, MaxAcceptBackoff);
      backoff.expires_after(delay);
      co_await backoff.async_wait(UseNothrow);
      continue;
    }
    if (failures > 0) {
      fmt::print(stderr, "outrider-proxy: accepting again after {} failed accept(s)\n", failures);
      failures = 0;
      delay = std::chrono::milliseconds(0);
    }
    if (static_cast<std::size_t>(shared_.active_connections.load()) >= max_connections_) {
      // Overload: the newest connection is closed at once, so the ones being served keep their
      // descriptors and the admin listener keeps its reserve.
      shared_.metrics.downstreamOverloaded().Increment();
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    // Counted before the session starts so a drain never misses a connection in hand-off.
    shared_.active_connections.fetch_add(1);
    connection_peak_ = std::max(connection_peak_, shared_.active_connections.load());
    asio::co_spawn(loops_->at(index), runSession(workers_[index].get(), std::move(socket)),
                   LogOnException{"outrider-proxy"});
  }
}

awaitable<void> ProxyState::adminLoop() {
  for (;;) {
    auto [ec, socket] = co_await admin_acceptor_->async_accept(UseNothrow);
    if (ec == asio::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      // Out of descriptors even for the reserve: wait rather than spin.
      asio::steady_timer backoff(loops_->at(0));
      backoff.expires_after(FirstAcceptBackoff * 10);
      co_await backoff.async_wait(UseNothrow);
      continue;
    }
    if (admin_connections_ >= MaxAdminConnections) {
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    ++admin_connections_;
    asio::co_spawn(loops_->at(0), serveAdmin(std::move(socket)),
                   LogOnException{"outrider-proxy admin"});
  }
}

http::response<http::string_body> ProxyState::adminResponse(
    const http::request<http::string_body>& request) const {
  http::response<http::string_body> response{http::status::ok, request.version()};
  response.set(http::field::content_type, "text/plain");
  const auto target = request.target();
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    response.result(http::status::method_not_allowed);
    response.body() = "GET only\n";
  } else if (target == "/ready") {
    // Ready only while serving: a drain turns it 503 at once so load balancers stop sending.
    if (shared_.isDraining()) {
      response.result(http::status::service_unavailable);
      response.body() = "draining\n";
    } else {
      response.body() = "ready\n";
    }
  } else if (target == "/live") {
    response.body() = "live\n";
  } else if (target == "/metrics") {
    response.set(http::field::content_type, "text/plain; version=0.0.4");
    response.body() = shared_.metrics.serialize();
  } else {
    response.result(http::status::not_found);
    response.body() = "not found: try /ready, /live or /metrics\n";
  }
  response.content_length(response.body().size());
  if (request.method() == http::verb::head) {
    response.body().clear();
  }
  response.keep_alive(request.keep_alive());
  return response;
}

awaitable<void> ProxyState::serveAdmin(tcp::socket socket) {
  auto& tracker = workers_[0]->tracker;
  AdminConnection tracked(socket);
  tracker.add(tracked);
  beast::flat_buffer buffer(64 * 1024);
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(4096);
    const auto now = shared_.clock.monotonicNow();
    tracked.setDeadline(now + (buffer.size() > 0 ? AdminHeaderTimeout : AdminIdleTimeout));
    auto [header_ec, header_bytes] =
        co_await http::async_read_header(socket, buffer, parser, UseNothrow);
    if (header_ec) {
      break;
    }
    tracked.setDeadline(shared_.clock.monotonicNow() + AdminHeaderTimeout);
    auto [ec, n] = co_await http::async_read(socket, buffer, parser, UseNothrow);
    if (ec) {
      break;
    }
    auto response = adminResponse(parser.get());
    auto [write_ec, written] = co_await http::async_write(socket, response, UseNothrow);
    if (write_ec || !response.keep_alive()) {
      break;
    }
  }
  tracker.remove(tracked);
  --admin_connections_;
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

void ProxyState::publishNotAfter(TlsSide side, const PublishedContext& context) {
  shared_.metrics.setTlsCertificateNotAfter(side,
                                            certificateNotAfter(context.current()).value_or(0));
}

void ProxyState::reloadTlsSide(TlsSide side, PublishedContext& context) {
  const char* name = side == TlsSide::Downstream ? "downstream" : "upstream";
  switch (context.reload()) {
    case PublishedContext::Reload::Unchanged:
      return;
    case PublishedContext::Reload::Reloaded: {
      shared_.metrics.countTlsReload(side, true);
      publishNotAfter(side, context);
      // When, and until when the new certificate is good: what a rotation's log must tell.
      const double now =
          std::chrono::duration<double>(shared_.clock.systemNow().time_since_epoch()).count();
      const auto not_after = certificateNotAfter(context.current());
      fmt::print(stderr,
                 "outrider-proxy: TLS {} files reloaded at unix {:.3f} (certificate NotAfter "
                 "{}); new connections use them\n",
                 name, now, not_after ? fmt::format("{:.0f}", *not_after) : std::string("none"));
      return;
    }
    case PublishedContext::Reload::Failed:
      // The message names the files and OpenSSL's reason; makeContext never quotes key bytes.
      shared_.metrics.countTlsReload(side, false);
      fmt::print(stderr, "outrider-proxy: TLS {} reload failed, keeping the previous set: {}\n",
                 name, context.lastError());
      return;
  }
}

void ProxyState::reloadTls() {
  if (downstream_tls_) {
    reloadTlsSide(TlsSide::Downstream, *downstream_tls_);
  }
  if (upstream_tls_) {
    reloadTlsSide(TlsSide::Upstream, *upstream_tls_);
  }
}

void ProxyState::maintain() {
  // Also here, not only on inotify: a watched folder that was itself replaced loses its watch.
  reloadTls();
  for (auto& worker : workers_) {
    asio::post(worker->context, [worker = worker.get()] {
      if (const std::size_t dead = worker->pool.reap(); dead > 0) {
        worker->shared.metrics.upstreamPoolDiscarded().Increment(static_cast<double>(dead));
      }
    });
  }
  // glibc keeps freed memory in its arenas; after a burst has gone (under half the peak left)
  // hand it back, so RSS follows the load down instead of staying at its high-water mark.
  const int64_t open = shared_.active_connections.load();
  if (connection_peak_ >= 64 && open * 2 < connection_peak_) {
    ::malloc_trim(0);
    connection_peak_ = open;
  }
  maintenance_timer_->expires_after(MaintenancePeriod);
  maintenance_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !finished_) {
      maintain();
    }
  });
}

void ProxyState::startDrain() {
  if (shared_.draining.exchange(true)) {
    return;
  }
  shared_.metrics.draining().Set(1);
  fmt::print(stderr, "outrider-proxy: draining {} connection(s), at most {}s\n",
             shared_.active_connections.load(),
             std::chrono::duration<double>(shared_.options.drain_timeout).count());
  boost::system::error_code ignored;
  acceptor_->close(ignored);
  for (auto& worker : workers_) {
    asio::post(worker->context, [worker = worker.get()] {
      worker->tracker.drainAll();
      worker->pool.closeAll();
    });
  }
  drain_timer_.emplace(loops_->at(0));
  drain_timer_->expires_after(shared_.options.drain_timeout);
  drain_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      fmt::print(stderr, "outrider-proxy: drain timeout, closing {} connection(s)\n",
                 shared_.active_connections.load());
      finish();
    }
  });
  // Pairs with the sessions' decrement-then-check: one side always sees the other.
  if (shared_.active_connections.load() == 0) {
    finish();
  }
}

void ProxyState::finish() {
  if (finished_) {
    return;
  }
  finished_ = true;
  if (tls_watch_) {
    tls_watch_->stop();
  }
  fmt::print(stderr, "outrider-proxy: drained, exiting\n");
  loops_->stop();
}

Result<ProxyPtr> Proxy::create(const ProxyOptions& options, const Clock& clock) {
  if (auto valid = validate(options); !valid) {
    return tl::unexpected(valid.error());
  }
  auto state = std::make_unique<ProxyState>(options, clock);
  state->max_connections_ = connectionLimit(options, raiseDescriptorLimit());
  if (options.max_connections > state->max_connections_) {
    fmt::print(stderr,
               "outrider-proxy: --max-connections {} lowered to {}: the open-file limit leaves "
               "no more descriptors\n",
               options.max_connections, state->max_connections_);
  }
  auto& control = state->loops_->at(0);
  auto upstream = resolveHostPort(control, options.upstream);
  if (!upstream) {
    return tl::unexpected(upstream.error());
  }
  state->shared_.upstream_endpoints = std::move(*upstream);
  auto downstream_tls = tlsContextFor(tls::Role::Server, options.downstream_tls);
  if (!downstream_tls) {
    return tl::unexpected(downstream_tls.error());
  }
  auto upstream_tls = tlsContextFor(tls::Role::Client, options.upstream_tls);
  if (!upstream_tls) {
    return tl::unexpected(upstream_tls.error());
  }
  state->downstream_tls_ = std::move(*downstream_tls);
  state->upstream_tls_ = std::move(*upstream_tls);
  state->shared_.downstream_tls = state->downstream_tls_.get();
  state->shared_.upstream_tls = state->upstream_tls_.get();
  std::vector<std::string> tls_files;
  for (const auto* files : {&options.downstream_tls, &options.upstream_tls}) {
    tls_files.insert(tls_files.end(), {files->cert, files->key, files->ca});
  }
  if (state->downstream_tls_ || state->upstream_tls_) {
    auto* raw_state = state.get();
    auto watch =
        DirectoryWatch::create(control, tls_files, [raw_state] { raw_state->reloadTls(); });
    if (!watch) {
      return tl::unexpected(watch.error());
    }
    state->tls_watch_ = std::move(*watch);
  }
  if (state->downstream_tls_) {
    state->publishNotAfter(TlsSide::Downstream, *state->downstream_tls_);
  }
  if (state->upstream_tls_) {
    state->publishNotAfter(TlsSide::Upstream, *state->upstream_tls_);
  }
  auto acceptor = bindAcceptor(control, options.listen);
  if (!acceptor) {
    return tl::unexpected(acceptor.error());
  }
  state->acceptor_.emplace(std::move(*acceptor));
  state->listen_endpoint_ = state->acceptor_->local_endpoint();
  auto admin = bindAcceptor(control, options.admin);
  if (!admin) {
    return tl::unexpected(admin.error());
  }
  state->admin_acceptor_.emplace(std::move(*admin));
  state->admin_endpoint_ = state->admin_acceptor_->local_endpoint();
  const auto tick = sweepTickFor(std::min(
      {options.request_timeout, options.idle_timeout, options.header_timeout,
       options.upstream_connect_timeout,
       std::chrono::duration_cast<std::chrono::nanoseconds>(AdminHeaderTimeout)}));
  for (std::size_t i = 0; i < state->loops_->size(); ++i) {
    state->workers_.push_back(
        std::make_unique<ProxyWorker>(state->shared_, state->loops_->at(i), i, tick));
  }
  auto* raw = state.get();
  state->shared_.on_drained = [raw] {
    asio::post(raw->loops_->at(0), [raw] { raw->finish(); });
  };
  return ProxyPtr(new Proxy(std::move(state)));
}

Proxy::Proxy(std::unique_ptr<ProxyState> state) : state_(std::move(state)) {}

Proxy::~Proxy() = default;

tcp::endpoint Proxy::listenEndpoint() const { return state_->listen_endpoint_; }

tcp::endpoint Proxy::adminEndpoint() const { return state_->admin_endpoint_; }

asio::io_context& Proxy::controlContext() { return state_->loops_->at(0); }

void Proxy::run() {
  for (auto& worker : state_->workers_) {
    worker->tracker.start();
  }
  asio::co_spawn(state_->loops_->at(0), state_->acceptLoop(), LogOnException{"outrider-proxy"});
  asio::co_spawn(state_->loops_->at(0), state_->adminLoop(), LogOnException{"outrider-proxy"});
  if (state_->tls_watch_) {
    state_->tls_watch_->start();
  }
  state_->maintenance_timer_.emplace(state_->loops_->at(0));
  state_->maintenance_timer_->expires_after(MaintenancePeriod);
  state_->maintenance_timer_->async_wait([state = state_.get()](const boost::system::error_code& ec) {
    if (!ec) {
      state->maintain();
    }
  });
  state_->loops_->run();
}

void Proxy::drain() {
  asio::post(state_->loops_->at(0), [state = state_.get()] { state->startDrain(); });
}

}  // namespace outrider::sidecar
