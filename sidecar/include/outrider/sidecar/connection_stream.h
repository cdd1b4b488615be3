#pragma once

// The bytes of one connection, plain TCP or TLS over it, behind one AsyncReadStream and
// AsyncWriteStream, so the proxy's and the echo app's session code exists once for both. Each
// operation is dispatched by async_initiate straight to the socket or the ssl::stream: no extra
// coroutine frame or handler wrapper, one branch per call on the plain path. TLS writes are
// flattened (see tls_).

#include <openssl/ssl.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_stream.hpp>
#include <cstddef>
#include <optional>
#include <utility>

#include "outrider/tls/context.h"

namespace outrider::sidecar {

class ConnectionStream {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  using executor_type = Socket::executor_type;

  explicit ConnectionStream(Socket socket) : socket_(std::move(socket)) {}
  explicit ConnectionStream(const executor_type& executor) : socket_(executor) {}
  ~ConnectionStream() { markCleanEnd(); }
  // The ssl::stream refers to socket_: the object stays where it was made.
  ConnectionStream(const ConnectionStream&) = delete;
  ConnectionStream& operator=(const ConnectionStream&) = delete;

  // Layers TLS over the (connected) socket; the connection keeps `context` for its whole life,
  // so a reload never pulls it from under a live connection.
  void startTls(tls::ContextPtr context) {
    context_ = std::move(context);
    tls_.emplace(socket_, *context_);
  }

  bool isTls() const { return tls_.has_value(); }
  // The connection's SSL, nullptr on plain TCP.
  SSL* ssl() { return tls_ ? tls_->next_layer().native_handle() : nullptr; }
  const tls::ContextPtr& context() const { return context_; }
  Socket& socket() { return socket_; }
  executor_type get_executor() { return socket_.get_executor(); }

  // Bytes already taken off the socket by TLS but not yet read by us: a pooled connection with
  // any is not clean, though a MSG_PEEK on the socket sees nothing.
  bool hasBufferedInput() {
    if (!tls_) {
      return false;
    }
    SSL* native = tls_->next_layer().native_handle();
    return SSL_has_pending(native) == 1 || BIO_ctrl_pending(SSL_get_rbio(native)) > 0;
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        ReadSome{this}, token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        WriteSome{this}, token, buffers);
  }

  // TLS only (startTls first).
  template <class Token>
  auto async_handshake(boost::asio::ssl::stream_base::handshake_type type, Token&& token) {
    return tls_->next_layer().async_handshake(type, std::forward<Token>(token));
  }

  void close() {
    markCleanEnd();
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  struct ReadSome {
    ConnectionStream* self;
    template <class Handler, class Buffers>
    void operator()(Handler&& handler, const Buffers& buffers) const {
      if (self->tls_) {
        self->tls_->async_read_some(buffers, std::forward<Handler>(handler));
      } else {
        self->socket_.async_read_some(buffers, std::forward<Handler>(handler));
      }
    }
  };
  struct WriteSome {
    ConnectionStream* self;
    template <class Handler, class Buffers>
    void operator()(Handler&& handler, const Buffers& buffers) const {
      if (self->tls_) {
        self->tls_->async_write_some(buffers, std::forward<Handler>(handler));
      } else {
        self->socket_.async_write_some(buffers, std::forward<Handler>(handler));
      }
    }
  };

  // OpenSSL drops the session of a connection freed without a shutdown from resumption (it might
  // have been truncated by an attacker); our connections end by framing, not by close_notify, so
  // a finished handshake's session stays resumable.
  void markCleanEnd() {
    if (tls_ && SSL_is_init_finished(tls_->next_layer().native_handle()) == 1) {
      SSL_set_shutdown(tls_->next_layer().native_handle(),
                       SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
  }

  Socket socket_;
  // Declared before tls_: the context outlives the SSL made from it.
  tls::ContextPtr context_;
  // Asio's ssl::stream writes only the first buffer of a gather per write_some, so a reply's head
  // and body went out as two TLS records and two sendmsg calls; flat_stream copies a gather of up
  // to 16 KiB into one buffer first (Beast's documented remedy), one record and one syscall.
  std::optional<boost::beast::flat_stream<boost::asio::ssl::stream<Socket&>>> tls_;
};

}  // namespace outrider::sidecar
