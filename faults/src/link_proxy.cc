#include "outrider/faults/link_proxy.h"

#include <array>
#include <list>
#include <mutex>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace outrider::faults {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
namespace {
constexpr auto UseTuple = asio::as_tuple(asio::use_awaitable);
}

// One proxied connection: the client socket, the target socket and the two pumps between them.
struct LinkSession : std::enable_shared_from_this<LinkSession> {
  LinkSession(tcp::socket client_socket, tcp::socket target_socket)
      : client(std::move(client_socket)), target(std::move(target_socket)) {}

  void close() {
    boost::system::error_code ignored;
    client.close(ignored);
    target.close(ignored);
  }

  tcp::socket client;
  tcp::socket target;
  int pumps_left = 2;
};

class LinkProxy::Impl : public std::enable_shared_from_this<LinkProxy::Impl> {
 public:
  Impl(asio::any_io_executor executor, LinkConfig config)
      : executor_(std::move(executor)), config_(std::move(config)), acceptor_(executor_) {}

  Result<void> bind() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(config_.listen.host, ec);
    if (ec) {
      return makeError(ErrorCode::InvalidArgument,
                       "link " + config_.name + ": bad listen address '" + config_.listen.host + "'");
    }
    tcp::endpoint endpoint(address, config_.listen.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return makeError(ErrorCode::Io, "link " + config_.name + ": cannot listen on " +
                                          config_.listen.host + ":" +
                                          std::to_string(config_.listen.port) + ": " +
                                          ec.message());
    }
    bound_port_ = acceptor_.local_endpoint().port();
    auto target_address = asio::ip::make_address(config_.to.host, ec);
    if (ec) {
      return makeError(ErrorCode::InvalidArgument,
                       "link " + config_.name + ": bad target address '" + config_.to.host + "'");
    }
    target_ = tcp::endpoint(target_address, config_.to.port);
    return {};
  }

  void start() {
    asio::co_spawn(executor_, acceptLoop(shared_from_this()), asio::detached);
  }

  void stop() {
    auto self = shared_from_this();
    asio::post(executor_, [self] {
      self->stopped_ = true;
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
      std::lock_guard lock(self->sessions_mutex_);
      for (auto& weak : self->sessions_) {
        if (auto session = weak.lock()) {
          asio::post(session->client.get_executor(), [session] { session->close(); });
        }
      }
    });
  }

  LinkStats stats() const {
    LinkStats out;
    out.accepted = accepted_.load(std::memory_order_relaxed);
    out.connect_errors = connect_errors_.load(std::memory_order_relaxed);
    out.active = active_.load(std::memory_order_relaxed);
    out.bytes_upstream = bytes_upstream_.load(std::memory_order_relaxed);
    out.bytes_downstream = bytes_downstream_.load(std::memory_order_relaxed);
    return out;
  }

  const LinkConfig& config() const { return config_; }
  uint16_t boundPort() const { return bound_port_; }

 private:
  static awaitable<void> acceptLoop(std::shared_ptr<Impl> self) {
    while (!self->stopped_) {
      auto strand = asio::make_strand(self->executor_);
      auto [ec, socket] = co_await self->acceptor_.async_accept(strand, UseTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || self->stopped_) {
          co_return;
        }
        continue;  // EMFILE and friends: keep serving the connections we have
      }
      self->accepted_.fetch_add(1, std::memory_order_relaxed);
      asio::co_spawn(strand, serveConnection(self, std::move(socket)), asio::detached);
    }
  }

  static awaitable<void> serveConnection(std::shared_ptr<Impl> self, tcp::socket client) {
    tcp::socket target(client.get_executor());
    auto [ec] = co_await target.async_connect(self->target_, UseTuple);
    if (ec) {
      // The target is down: the client sees its connection closed, as it would see a refusal.
      self->connect_errors_.fetch_add(1, std::memory_order_relaxed);
      boost::system::error_code ignored;
      client.set_option(asio::socket_base::linger(true, 0), ignored);
      client.close(ignored);
      co_return;
    }
    boost::system::error_code ignored;
    client.set_option(tcp::no_delay(true), ignored);
    target.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<LinkSession>(std::move(client), std::move(target));
    self->track(session);
    self->active_.fetch_add(1, std::memory_order_relaxed);
    auto executor = session->client.get_executor();
    asio::co_spawn(executor, pump(self, session, /*to_target=*/true), asio::detached);
    asio::co_spawn(executor, pump(self, session, /*to_target=*/false), asio::detached);
  }

  // Copies one direction until EOF or error. EOF is passed on as a half-close so protocols that
  // rely on it keep working; an error (a reset) closes both sides.
  static awaitable<void> pump(std::shared_ptr<Impl> self, std::shared_ptr<LinkSession> session,
                              bool to_target) {
    tcp::socket& from = to_target ? session->client : session->target;
    tcp::socket& to = to_target ? session->target : session->client;
    auto& counter = to_target ? self->bytes_upstream_ : self->bytes_downstream_;
    std::vector<char> buffer(self->config_.buffer_size);
    for (;;) {
      auto [read_ec, n] = co_await from.async_read_some(asio::buffer(buffer), UseTuple);
      if (n > 0) {
        auto [write_ec, written] = co_await asio::async_write(to, asio::buffer(buffer.data(), n),
                                                              UseTuple);
        counter.fetch_add(written, std::memory_order_relaxed);
        if (write_ec) {
          session->close();
          break;
        }
      }
      if (read_ec == asio::error::eof) {
        boost::system::error_code ignored;
        to.shutdown(tcp::socket::shutdown_send, ignored);
        break;
      }
      if (read_ec) {
        session->close();
        break;
      }
    }
    if (--session->pumps_left == 0) {
      session->close();
      self->active_.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  void track(const std::shared_ptr<LinkSession>& session) {
    std::lock_guard lock(sessions_mutex_);
    // Drop entries of finished sessions now and then so the list stays as long as the live set.
    if (sessions_.size() > 64 && sessions_.size() > 2 * active_.load()) {
      sessions_.remove_if([](const auto& weak) { return weak.expired(); });
    }
    sessions_.push_back(session);
  }

  asio::any_io_executor executor_;
  LinkConfig config_;
  tcp::acceptor acceptor_;
  tcp::endpoint target_;
  uint16_t bound_port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> connect_errors_{0};
  std::atomic<uint64_t> active_{0};
  std::atomic<uint64_t> bytes_upstream_{0};
  std::atomic<uint64_t> bytes_downstream_{0};
  std::mutex sessions_mutex_;
  std::list<std::weak_ptr<LinkSession>> sessions_;
};

Result<std::unique_ptr<LinkProxy>> LinkProxy::create(asio::any_io_executor executor,
                                                     LinkConfig config) {
  auto impl = std::make_shared<Impl>(std::move(executor), std::move(config));
  if (auto bound = impl->bind(); !bound) {
    return tl::unexpected(bound.error());
  }
  return std::unique_ptr<LinkProxy>(new LinkProxy(std::move(impl)));
}

LinkProxy::LinkProxy(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
LinkProxy::~LinkProxy() { impl_->stop(); }
void LinkProxy::start() { impl_->start(); }
void LinkProxy::stop() { impl_->stop(); }
const LinkConfig& LinkProxy::config() const { return impl_->config(); }
uint16_t LinkProxy::boundPort() const { return impl_->boundPort(); }
LinkStats LinkProxy::stats() const { return impl_->stats(); }

}  // namespace outrider::faults
