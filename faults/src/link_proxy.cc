#include "outrider/faults/link_proxy.h"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <mutex>

#include "active_faults.h"
#include "link_session.h"
#include "outrider/common/host_port.h"
#include "outrider/faults/registry.h"

namespace outrider::faults {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using detail::ActiveFault;
using detail::ActiveFaults;
using detail::LinkSession;

namespace {
constexpr auto UseTuple = asio::as_tuple(asio::use_awaitable);
// How long applyFault/removeFault wait for the link's executor to change the listener.
constexpr auto ListenerTimeout = std::chrono::seconds(5);
}  // namespace

class LinkProxy::Impl : public std::enable_shared_from_this<LinkProxy::Impl> {
 public:
  Impl(asio::any_io_executor executor, const Clock& clock, LinkConfig config)
      : executor_(std::move(executor)),
        listener_(asio::make_strand(executor_)),
        shared_(std::make_shared<detail::LinkShared>(std::move(config), clock)),
        acceptor_(listener_) {}

  Result<void> bind() {
    const LinkConfig& config = shared_->config;
    boost::system::error_code ec;
    auto address = asio::ip::make_address(config.listen.host, ec);
    if (ec) {
      return makeError(ErrorCode::InvalidArgument,
                       "link " + config.name + ": bad listen address '" + config.listen.host + "'");
    }
    listen_endpoint_ = tcp::endpoint(address, config.listen.port);
    if (auto opened = openAcceptor(); !opened) {
      return opened;
    }
    listen_endpoint_.port(acceptor_.local_endpoint().port());
    auto target_address = asio::ip::make_address(config.to.host, ec);
    if (ec) {
      return makeError(ErrorCode::InvalidArgument,
                       "link " + config.name + ": bad target address '" + config.to.host + "'");
    }
    target_ = tcp::endpoint(target_address, config.to.port);
    return {};
  }

  void start() {
    auto self = shared_from_this();
    asio::post(listener_, [self] { self->spawnAcceptLoop(); });
  }

  void stop() {
    stopped_ = true;
    {
      std::lock_guard lock(faults_mutex_);
      for (auto& [name, record] : records_) {
        record.active = false;
      }
      shared_->publish(std::make_shared<const ActiveFaults>());
    }
    auto self = shared_from_this();
    asio::post(listener_, [self] {
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
      self->listening_ = false;
      ++self->generation_;
    });
    std::lock_guard lock(sessions_mutex_);
    for (auto& weak : sessions_) {
      if (auto session = weak.lock()) {
        session->close();
      }
    }
  }

  Result<void> applyFault(const PlannedFault& fault) {
    const LinkConfig& config = shared_->config;
    if (!fault.spec.actsOnLink()) {
      return makeError(ErrorCode::InvalidArgument,
                       "link " + config.name + ": fault '" + fault.name + "' (" +
                           scenarios::toString(fault.kind) + ") is not a link fault");
    }
    if (fault.target != config.name) {
      return makeError(ErrorCode::InvalidArgument, "link " + config.name + ": fault '" +
                                                       fault.name + "' targets '" + fault.target +
                                                       "'");
    }
    const FaultKindEntry* entry = registry().find(fault.spec.kindName());
    if (entry == nullptr || !entry->acts_on_link) {
      return makeError(ErrorCode::InvalidArgument, "link " + config.name + ": fault '" +
                                                       fault.name + "' (" + fault.spec.kindName() +
                                                       ") is not carried out by links");
    }
    if (entry->needs_http && config.protocol != scenarios::LinkProtocol::Http) {
      return makeError(ErrorCode::InvalidArgument,
                       "link " + config.name + ": " + entry->name + " needs protocol = \"http\"");
    }
    std::optional<LinkEndpoint> redirect;
    std::optional<LinkEndpoint> divert;
    LinkFilterFactory make_filter = entry->make_link_filter;
    if (entry->redirects_connections) {
      auto to = parseHostPort(fault.spec.to);
      boost::system::error_code ec;
      if (to) {
        asio::ip::make_address(to->host, ec);
      }
      if (!to || ec) {
        return makeError(ErrorCode::InvalidArgument, "link " + config.name + ": fault '" +
                                                         fault.name + "' sends connections to '" +
                                                         fault.spec.to +
                                                         "', which is not an IP address and port");
      }
      // A tcp link sends whole connections away where it connects (no filter); an http link
      // frames requests, so its filter picks single requests and the session sends them away.
      if (config.protocol == scenarios::LinkProtocol::Http) {
        divert = LinkEndpoint{to->host, to->port};
      } else {
        redirect = LinkEndpoint{to->host, to->port};
        make_filter = nullptr;
      }
    }
    auto counters = std::make_shared<FaultCounters>();
    bool listener_change = entry->closesListener(fault);
    {
      std::lock_guard lock(faults_mutex_);
      auto next = std::make_shared<ActiveFaults>(*shared_->snapshot());
      std::erase_if(next->faults, [&](const ActiveFault& f) {
        const bool replaced = f.planned.name == fault.name;
        listener_change = listener_change || (replaced && closesListener(f.planned));
        return replaced;
      });
      next->faults.push_back(
          {++next_instance_, fault, counters, std::move(make_filter), redirect, divert});
      records_[fault.name] = Record{fault, counters, true, {}};
      shared_->publish(std::move(next));
    }
    notifySessions();
    if (!listener_change) {
      return {};
    }
    auto listener = reconcileListener();
    if (entry->closesListener(fault) && listener) {
      listener = probeRefused();
      if (listener) {
        counters->add(counters->opportunities);
        counters->add(counters->injections);
      }
    }
    if (!listener) {
      setError(fault.name, listener.error().message);
    }
    return listener;
  }

  Result<void> removeFault(const std::string& name) {
    bool listener_change = false;
    {
      std::lock_guard lock(faults_mutex_);
      auto found = records_.find(name);
      if (found == records_.end() || !found->second.active) {
        return {};
      }
      found->second.active = false;
      listener_change = closesListener(found->second.planned);
      auto next = std::make_shared<ActiveFaults>(*shared_->snapshot());
      std::erase_if(next->faults, [&](const ActiveFault& f) { return f.planned.name == name; });
      shared_->publish(std::move(next));
    }
    notifySessions();
    if (!listener_change) {
      return {};
    }
    auto listener = reconcileListener();
    if (!listener) {
      setError(name, listener.error().message);
    }
    return listener;
  }

  FaultEvidence faultEvidence(const std::string& name) const {
    FaultEvidence evidence;
    evidence.name = name;
    std::lock_guard lock(faults_mutex_);
    auto found = records_.find(name);
    if (found == records_.end()) {
      evidence.evidence = "not applied to link " + shared_->config.name;
      return evidence;
    }
    const Record& record = found->second;
    const FaultCounters& c = *record.counters;
    evidence.kind = record.planned.kind;
    evidence.applied = true;
    evidence.active = record.active;
    evidence.injections = c.injections.load(std::memory_order_relaxed);
    evidence.opportunities = c.opportunities.load(std::memory_order_relaxed);
    evidence.connections_affected = c.connections_affected.load(std::memory_order_relaxed);
    evidence.requests_affected = c.requests_affected.load(std::memory_order_relaxed);
    evidence.bytes_affected = c.bytes_affected.load(std::memory_order_relaxed);
    evidence.error = record.error;
    evidence.evidence = describeEvidence(
        record.planned, shared_->config.protocol == scenarios::LinkProtocol::Http, evidence);
    return evidence;
  }

  std::vector<std::string> activeFaults() const {
    std::vector<std::string> names;
    for (const auto& fault : shared_->snapshot()->faults) {
      names.push_back(fault.planned.name);
    }
    return names;
  }

  LinkStats stats() const {
    const auto& s = *shared_;
    LinkStats out;
    out.accepted = s.accepted.load(std::memory_order_relaxed);
    out.connect_errors = s.connect_errors.load(std::memory_order_relaxed);
    out.active = s.active.load(std::memory_order_relaxed);
    out.bytes_upstream = s.bytes_upstream.load(std::memory_order_relaxed);
    out.bytes_downstream = s.bytes_downstream.load(std::memory_order_relaxed);
    out.framing_errors = s.framing_errors.load(std::memory_order_relaxed);
    out.local_replies = s.local_replies.load(std::memory_order_relaxed);
    return out;
  }

  const LinkConfig& config() const { return shared_->config; }
  uint16_t boundPort() const { return listen_endpoint_.port(); }

 private:
  struct Record {
    PlannedFault planned;
    std::shared_ptr<FaultCounters> counters;
    bool active = false;
    std::string error;
  };

  // Listener strand (or before start()): opens, binds and listens on listen_endpoint_.
  Result<void> openAcceptor() {
    const LinkConfig& config = shared_->config;
    boost::system::error_code ec;
    acceptor_.open(listen_endpoint_.protocol(), ec);
    if (!ec) {
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(listen_endpoint_, ec);
    }
    if (!ec) {
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      return makeError(ErrorCode::Io, "link " + config.name + ": cannot listen on " +
                                          config.listen.host + ":" +
                                          std::to_string(listen_endpoint_.port()) + ": " +
                                          ec.message());
    }
    listening_ = true;
    return {};
  }

  void spawnAcceptLoop() {
    if (stopped_ || !listening_) {
      return;
    }
    ++generation_;
    asio::co_spawn(listener_, acceptLoop(shared_from_this(), generation_), asio::detached);
  }

  // Closes or reopens the listener so it refuses exactly while a refuse fault is active.
  // Existing connections are untouched either way.
  Result<void> reconcileListener() {
    bool refuse = false;
    for (const auto& fault : shared_->snapshot()->faults) {
      refuse = refuse || closesListener(fault.planned);
    }
    auto self = shared_from_this();
    return onListener([self, refuse]() -> Result<void> {
      if (self->stopped_) {
        return {};
      }
      if (refuse && self->listening_) {
        boost::system::error_code ignored;
        self->acceptor_.close(ignored);
        self->listening_ = false;
        ++self->generation_;
      } else if (!refuse && !self->listening_) {
        auto opened = self->openAcceptor();
        if (!opened) {
          return opened;
        }
        self->spawnAcceptLoop();
      }
      return {};
    });
  }

  Result<void> onListener(std::function<Result<void>()> change) {
    if (listener_.running_in_this_thread()) {
      return change();
    }
    auto promise = std::make_shared<std::promise<Result<void>>>();
    auto done = promise->get_future();
    asio::post(listener_, [promise, change = std::move(change)] { promise->set_value(change()); });
    if (done.wait_for(ListenerTimeout) != std::future_status::ready) {
      return makeError(ErrorCode::Timeout,
                       "link " + shared_->config.name +
                           ": the link's executor did not change the listener within 5s");
    }
    return done.get();
  }

  static bool closesListener(const PlannedFault& fault) {
    const FaultKindEntry* entry = registry().find(fault.spec.kindName());
    return entry != nullptr && entry->closesListener(fault);
  }

  // Evidence for refuse: a connect to the closed port is refused, so nothing else took it.
  Result<void> probeRefused() const {
    tcp::endpoint probe_endpoint = listen_endpoint_;
    if (probe_endpoint.address().is_unspecified()) {
      probe_endpoint.address(probe_endpoint.address().is_v6()
                                 ? asio::ip::address(asio::ip::address_v6::loopback())
                                 : asio::ip::address(asio::ip::address_v4::loopback()));
    }
    asio::io_context probe_ctx;
    tcp::socket probe(probe_ctx);
    boost::system::error_code ec;
    probe.connect(probe_endpoint, ec);
    if (ec == asio::error::connection_refused) {
      return {};
    }
    return makeError(ErrorCode::Io,
                     fmt::format("link {}: port {} still accepts connections after its listener "
                                 "closed ({})",
                                 shared_->config.name, listen_endpoint_.port(),
                                 ec ? ec.message() : "connected"));
  }

  void setError(const std::string& name, const std::string& message) {
    std::lock_guard lock(faults_mutex_);
    auto found = records_.find(name);
    if (found != records_.end()) {
      found->second.error = message;
    }
  }

  void notifySessions() {
    std::lock_guard lock(sessions_mutex_);
    for (auto& weak : sessions_) {
      if (auto session = weak.lock()) {
        session->faultsChanged();
      }
    }
  }

  static awaitable<void> acceptLoop(std::shared_ptr<Impl> self, uint64_t generation) {
    while (!self->stopped_ && generation == self->generation_) {
      auto strand = asio::make_strand(self->executor_);
      auto [ec, socket] = co_await self->acceptor_.async_accept(strand, UseTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor ||
            self->stopped_ || generation != self->generation_) {
          co_return;
        }
        continue;  // EMFILE and friends: keep serving the connections we have
      }
      const uint64_t number = self->shared_->accepted.fetch_add(1, std::memory_order_relaxed);
      asio::co_spawn(strand, serveConnection(self, std::move(socket), number), asio::detached);
    }
  }

  // Where connection `number` goes: the link's destination, or the first active redirecting
  // fault's (misroute) when its draw picks the connection; each such fault counts the
  // connection it saw and the one it sent away.
  tcp::endpoint destinationOf(uint64_t number) const {
    const detail::ActiveFaultsPtr active = shared_->snapshot();
    for (const auto& fault : active->faults) {
      if (!fault.redirect) {
        continue;
      }
      FaultCounters::add(fault.counters->opportunities);
      if (decide(fault.planned, number, 0)) {
        FaultCounters::add(fault.counters->injections);
        FaultCounters::add(fault.counters->connections_affected);
        boost::system::error_code ignored;  // checked when the fault was applied
        return tcp::endpoint(asio::ip::make_address(fault.redirect->host, ignored),
                             fault.redirect->port);
      }
    }
    return target_;
  }

  static awaitable<void> serveConnection(std::shared_ptr<Impl> self, tcp::socket client,
                                         uint64_t number) {
    tcp::socket target(client.get_executor());
    auto [ec] = co_await target.async_connect(self->destinationOf(number), UseTuple);
    boost::system::error_code ignored;
    if (ec || self->stopped_) {
      if (ec) {
        // The target is down: the client sees its connection reset, as it would see a refusal.
        self->shared_->connect_errors.fetch_add(1, std::memory_order_relaxed);
        client.set_option(asio::socket_base::linger(true, 0), ignored);
      }
      client.close(ignored);
      co_return;
    }
    client.set_option(tcp::no_delay(true), ignored);
    target.set_option(tcp::no_delay(true), ignored);
    auto session =
        std::make_shared<LinkSession>(self->shared_, number, std::move(client), std::move(target));
    self->shared_->active.fetch_add(1, std::memory_order_relaxed);
    self->track(session);
    session->start();
    if (self->stopped_) {
      session->close();  // stop() ran between the check above and track()
    }
  }

  void track(const std::shared_ptr<LinkSession>& session) {
    std::lock_guard lock(sessions_mutex_);
    // Drop entries of finished sessions now and then so the list stays as long as the live set.
    if (sessions_.size() > 64 &&
        sessions_.size() > 2 * shared_->active.load(std::memory_order_relaxed)) {
      sessions_.remove_if([](const auto& weak) { return weak.expired(); });
    }
    sessions_.push_back(session);
  }

  asio::any_io_executor executor_;
  asio::strand<asio::any_io_executor> listener_;  // the acceptor and everything about it
  std::shared_ptr<detail::LinkShared> shared_;
  tcp::acceptor acceptor_;
  tcp::endpoint listen_endpoint_;  // with the bound port; fixed after bind()
  tcp::endpoint target_;
  bool listening_ = false;   // listener strand
  uint64_t generation_ = 0;  // listener strand: bumped when the acceptor closes or reopens
  std::atomic<bool> stopped_{false};

  mutable std::mutex faults_mutex_;  // records_, next_instance_ and snapshot replacement
  std::map<std::string, Record> records_;
  uint64_t next_instance_ = 0;

  std::mutex sessions_mutex_;
  std::list<std::weak_ptr<LinkSession>> sessions_;
};

Result<std::unique_ptr<LinkProxy>> LinkProxy::create(asio::any_io_executor executor,
                                                     const Clock& clock, LinkConfig config) {
  auto impl = std::make_shared<Impl>(std::move(executor), clock, std::move(config));
  if (auto bound = impl->bind(); !bound) {
    return tl::unexpected(bound.error());
  }
  return std::unique_ptr<LinkProxy>(new LinkProxy(std::move(impl)));
}

LinkProxy::LinkProxy(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
LinkProxy::~LinkProxy() { impl_->stop(); }
void LinkProxy::start() { impl_->start(); }
void LinkProxy::stop() { impl_->stop(); }
Result<void> LinkProxy::applyFault(const PlannedFault& fault) { return impl_->applyFault(fault); }
Result<void> LinkProxy::removeFault(const std::string& name) { return impl_->removeFault(name); }
FaultEvidence LinkProxy::faultEvidence(const std::string& name) const {
  return impl_->faultEvidence(name);
}
std::vector<std::string> LinkProxy::activeFaults() const { return impl_->activeFaults(); }
const LinkConfig& LinkProxy::config() const { return impl_->config(); }
uint16_t LinkProxy::boundPort() const { return impl_->boundPort(); }
LinkStats LinkProxy::stats() const { return impl_->stats(); }

}  // namespace outrider::faults
