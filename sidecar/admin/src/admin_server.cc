#include "outrider/admin/admin_server.h"

#include <fmt/core.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <map>
#include <utility>

#include "outrider/common/asio.h"
#include "outrider/common/timer.h"

namespace outrider::admin {
namespace {

int hexDigit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string percentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && hexDigit(text[i + 1]) >= 0 &&
               hexDigit(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexDigit(text[i + 1]) * 16 + hexDigit(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

class AdminServerImpl final : public AdminServer {
 public:
  AdminServerImpl(const asio::any_io_executor& executor, const Clock& clock, AdminOptions options,
                  tcp::acceptor acceptor)
      : executor_(executor),
        clock_(clock),
        options_(std::move(options)),
        acceptor_(std::move(acceptor)),
        endpoint_(acceptor_.local_endpoint()) {}

  ~AdminServerImpl() override { stop(); }

  void route(std::string method, std::string path, AdminHandler handler) override {
    routes_[{std::move(method), std::move(path)}] = std::move(handler);
  }

  tcp::endpoint endpoint() const override { return endpoint_; }

  void start() override { asio::co_spawn(executor_, acceptLoop(alive_), asio::detached); }

  void stop() override {
    *alive_ = false;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto* socket : sockets_) {
      socket->close(ignored);
    }
    // The sockets live in their coroutines' frames, which end after this (and do not erase
    // themselves once stopped): a second stop(), say the destructor's, must not see them.
    sockets_.clear();
  }

 private:
  awaitable<void> acceptLoop(std::shared_ptr<bool> alive) {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(UseNothrow);
      if (!*alive || ec == asio::error::operation_aborted) {
        co_return;
      }
      if (ec) {
        // Out of descriptors: wait a little rather than spin on the pending connection.
        co_await sleepFor(clock_, std::chrono::milliseconds(50));
        if (!*alive) {
          co_return;
        }
        continue;
      }
      if (sockets_.size() >= options_.max_connections) {
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      asio::co_spawn(executor_, serve(std::move(socket), alive), asio::detached);
    }
  }

  AdminReply dispatch(const http::request<http::string_body>& request) const {
    const std::string_view target = request.target();
    const auto question = target.find('?');
    AdminRequest in;
    in.method = request.method_string();
    in.path = target.substr(0, question);
    in.query =
        question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
    in.body = request.body();
    std::string method(in.method);
    if (method == "HEAD") {
      method = "GET";
    }
    if (auto it = routes_.find({method, std::string(in.path)}); it != routes_.end()) {
      return it->second(in);
    }
    std::string allowed;
    for (const auto& [key, handler] : routes_) {
      if (key.second == in.path) {
        allowed += allowed.empty() ? key.first : ", " + key.first;
      }
    }
    if (!allowed.empty()) {
      return {405, "text/plain", fmt::format("{} takes {}\n", in.path, allowed)};
    }
    std::string paths;
    for (const auto& [key, handler] : routes_) {
      paths += fmt::format("{} {}\n", key.first, key.second);
    }
    return {404, "text/plain", "not found; this listener serves:\n" + paths};
  }

  // One keep-alive connection: each request read under a deadline (idle before its first byte,
  // the header timeout once bytes are buffered); a malformed one gets a 400 and the close.
  awaitable<void> serve(tcp::socket socket, std::shared_ptr<bool> alive) {
    using namespace asio::experimental::awaitable_operators;
    sockets_.push_back(&socket);
    auto self = std::prev(sockets_.end());
    beast::flat_buffer buffer(16 * 1024);
    auto timer = clock_.createTimer(executor_);
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(8 * 1024);
      parser.body_limit(options_.max_body);
      timer->expiresAfter(buffer.size() > 0 ? options_.header_timeout : options_.idle_timeout);
      auto read = co_await (http::async_read(socket, buffer, parser, UseNothrow) || timer->wait());
      if (!*alive || read.index() == 1) {
        break;  // the deadline passed (or the server stopped)
      }
      auto [ec, n] = std::get<0>(read);
      if (ec) {
        if (ec != http::error::end_of_stream && ec != asio::error::eof &&
            ec != asio::error::operation_aborted && ec != asio::error::connection_reset) {
          http::response<http::string_body> bad{http::status::bad_request, 11};
          bad.set(http::field::content_type, "text/plain");
          bad.body() = fmt::format("bad request: {}\n", ec.message());
          bad.prepare_payload();
          bad.keep_alive(false);
          co_await http::async_write(socket, bad, UseNothrow);
        }
        break;
      }
      const auto& request = parser.get();
      AdminReply reply = dispatch(request);
      http::response<http::string_body> response{static_cast<http::status>(reply.status),
                                                 request.version()};
      response.set(http::field::content_type, reply.content_type);
      response.body() = std::move(reply.body);
      response.prepare_payload();
      if (request.method() == http::verb::head) {
        response.body().clear();
      }
      response.keep_alive(request.keep_alive());
      auto [write_ec, written] = co_await http::async_write(socket, response, UseNothrow);
      if (write_ec || !response.keep_alive() || !*alive) {
        break;
      }
    }
    if (*alive) {
      sockets_.erase(self);
      boost::system::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_send, ignored);
      socket.close(ignored);
    }
  }

  asio::any_io_executor executor_;
  const Clock& clock_;
  AdminOptions options_;
  tcp::acceptor acceptor_;
  tcp::endpoint endpoint_;
  std::map<std::pair<std::string, std::string>, AdminHandler> routes_;
  std::list<tcp::socket*> sockets_;
  // Shared with the coroutines, which may outlive stop() by one resumption.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::string queryValue(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (percentDecode(pair.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? std::string{} : percentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return {};
}

Result<std::unique_ptr<AdminServer>> AdminServer::create(const asio::any_io_executor& executor,
                                                         const Clock& clock,
                                                         const AdminOptions& options) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.listen.host, ec);
  if (ec) {
    return makeError(
        ErrorCode::InvalidArgument,
        fmt::format("admin listener: \"{}\" is not an IP address", options.listen.host));
  }
  tcp::acceptor acceptor(executor);
  const tcp::endpoint endpoint(address, options.listen.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return makeError(ErrorCode::Io, fmt::format("admin listener on {}:{}: {}", options.listen.host,
                                                options.listen.port, ec.message()));
  }
  return std::make_unique<AdminServerImpl>(executor, clock, options, std::move(acceptor));
}

}  // namespace outrider::admin
