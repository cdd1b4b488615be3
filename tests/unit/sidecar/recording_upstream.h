#pragma once

// A hostile, recording upstream for proxy tests: every byte the proxy sends is kept per
// connection and parsed strictly (Beast, one parser per message) into the requests the upstream
// *saw*, and each reply is raw bytes from a script, so a test can answer with broken framing,
// extra responses, unsolicited bytes or a body held back behind a gate.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace outrider::sidecar::test {

struct RecordedRequest {
  std::size_t connection = 0;  // 0-based, in accept order
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;

  std::size_t count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& field : fields) {
      n += boost::beast::iequals(field.first, name) ? 1 : 0;
    }
    return n;
  }
  std::string value(std::string_view name) const {
    for (const auto& field : fields) {
      if (boost::beast::iequals(field.first, name)) {
        return field.second;
      }
    }
    return {};
  }
};

// What the upstream writes for one request.
struct ScriptedReply {
  std::string bytes;
  // Written only once the test opens the gate (RecordingUpstream::openGate).
  std::string after_gate;
  bool close_after = false;
};

using Responder = std::function<ScriptedReply(const RecordedRequest&)>;

// "HTTP/1.1 <status>" with a Content-Length body.
inline std::string rawResponse(const std::string& body, int status = 200,
                               const std::string& extra_fields = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra_fields + "\r\n" + body;
}

// The body that proves whose response it is: the request's X-Test-Id and the connection.
inline std::string identity(const RecordedRequest& request) {
  return "id=" + request.value("X-Test-Id") + ";conn=" + std::to_string(request.connection);
}

inline Responder echoIdentity() {
  return [](const RecordedRequest& request) { return ScriptedReply{rawResponse(identity(request))}; };
}

class RecordingUpstream {
 public:
  explicit RecordingUpstream(Responder responder = echoIdentity())
      : responder_(std::move(responder)),
        acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    boost::asio::co_spawn(io_, accept(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~RecordingUpstream() {
    openGate();
    io_.stop();
    thread_.join();
  }

  RecordingUpstream(const RecordingUpstream&) = delete;
  RecordingUpstream& operator=(const RecordingUpstream&) = delete;

  uint16_t port() const { return port_; }

  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t connections() const {
    std::lock_guard lock(mutex_);
    return raw_.size();
  }
  // Everything received on one connection, as bytes.
  std::string raw(std::size_t connection) const {
    std::lock_guard lock(mutex_);
    return connection < raw_.size() ? raw_[connection] : std::string();
  }
  // Bytes that did not parse as a request (the upstream closed on them), over all connections.
  std::size_t unparseable() const {
    std::lock_guard lock(mutex_);
    return unparseable_;
  }

  // Writes `bytes` on every open connection that waits for its next request, as an upstream that
  // sends unsolicited data would; returns once written (bounded by `timeout`).
  bool sendToIdle(const std::string& bytes, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // The client can have its reply before this side has gone back to reading: wait until a
    // connection is idle here too, or the bytes would go nowhere.
    if (!changed_.wait_until(lock, deadline, [&] { return !idle_.empty(); })) {
      return false;
    }
    bool done = false;
    boost::asio::post(io_, [this, bytes, &done] {
      for (auto* socket : idle_) {
        boost::system::error_code ignored;
        boost::asio::write(*socket, boost::asio::buffer(bytes), ignored);
      }
      std::lock_guard inner(mutex_);
      done = true;
      changed_.notify_all();
    });
    return changed_.wait_until(lock, deadline, [&] { return done; });
  }

  void openGate() {
    std::lock_guard lock(mutex_);
    gate_open_ = true;
    changed_.notify_all();
  }

 private:
  using tcp = boost::asio::ip::tcp;
  static constexpr auto UseTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

  boost::asio::awaitable<void> accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(UseTuple);
      if (ec) {
        co_return;
      }
      std::size_t index = 0;
      {
        std::lock_guard lock(mutex_);
        index = raw_.size();
        raw_.emplace_back();
      }
      boost::asio::co_spawn(io_, serve(std::move(socket), index), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(tcp::socket socket, std::size_t index) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(256 * 1024 * 1024);
      parser.header_limit(1024 * 1024);
      setIdle(&socket, true);
      boost::system::error_code ec;
      for (;;) {
        if (buffer.size() > 0) {
          const std::size_t used = parser.put(buffer.data(), ec);
          {
            std::lock_guard lock(mutex_);
            raw_[index].append(static_cast<const char*>(buffer.data().data()), used);
          }
          buffer.consume(used);
          if (ec == http::error::need_more) {
            ec = {};
          }
          if (ec || parser.is_done()) {
            break;
          }
          if (used > 0) {
            continue;
          }
        }
        auto [read_ec, n] = co_await socket.async_read_some(buffer.prepare(64 * 1024), UseTuple);
        buffer.commit(n);
        if (read_ec) {
          ec = read_ec;
          break;
        }
      }
      setIdle(&socket, false);
      if (ec) {
        std::lock_guard lock(mutex_);
        if (ec != boost::asio::error::eof || buffer.size() > 0 || parser.got_some()) {
          ++unparseable_;
        }
        co_return;
      }
      RecordedRequest request;
      request.connection = index;
      const auto& message = parser.get();
      request.method = std::string(message.method_string());
      request.target = std::string(message.target());
      for (const auto& field : message) {
        request.fields.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      request.body = message.body();
      ScriptedReply reply = responder_(request);
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(std::move(request));
      }
      auto [write_ec, written] =
          co_await boost::asio::async_write(socket, boost::asio::buffer(reply.bytes), UseTuple);
      if (!reply.after_gate.empty() && !write_ec) {
        std::unique_lock lock(mutex_);
        // Bounded: a test that never opens the gate fails on its own deadline, not here.
        changed_.wait_for(lock, std::chrono::seconds(20), [&] { return gate_open_; });
        lock.unlock();
        co_await boost::asio::async_write(socket, boost::asio::buffer(reply.after_gate),
                                          UseTuple);
      }
      if (write_ec || reply.close_after) {
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        socket.close(ignored);
        co_return;
      }
    }
  }

  void setIdle(tcp::socket* socket, bool idle) {
    std::lock_guard lock(mutex_);
    if (idle) {
      idle_.push_back(socket);
    } else {
      std::erase(idle_, socket);
    }
    changed_.notify_all();
  }

  Responder responder_;
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<RecordedRequest> requests_;
  std::vector<std::string> raw_;
  std::vector<tcp::socket*> idle_;
  std::size_t unparseable_ = 0;
  bool gate_open_ = false;
};

}  // namespace outrider::sidecar::test
