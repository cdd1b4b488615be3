#pragma once

// One TLS handshake between a client and a server SSL joined by a memory BIO pair: real OpenSSL,
// no sockets. Errors become error codes of Asio's SSL category exactly as Asio's engine makes them
// (the first error queued), so classifyHandshakeFailure sees what it sees in the programs.

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/error.hpp>
#include <optional>
#include <string>

#include "outrider/tls/context.h"
#include "outrider/tls/handshake_failure.h"

namespace outrider::tls::test {

struct Side {
  bool done = false;
  bool failed = false;
  boost::system::error_code ec;
  HandshakeFailure failure;
};

struct Handshake {
  Side client;
  Side server;
  std::string alpn;                // what the client got
  bool resumed = false;            // the client's view
  SSL_SESSION* session = nullptr;  // the client's, for a resumption; owned by the caller
};

struct HandshakeOptions {
  std::optional<SystemTime> client_time;
  std::optional<SystemTime> server_time;
  std::string server_name;
  SSL_SESSION* resume = nullptr;
  bool keep_session = false;
};

inline bool step(SSL* ssl, Side& side) {
  if (side.done || side.failed) {
    return false;
  }
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl);
  if (rc == 1) {
    side.done = true;
    return true;
  }
  const int error = SSL_get_error(ssl, rc);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    return false;
  }
  side.failed = true;
  side.ec = boost::system::error_code(static_cast<int>(ERR_get_error()),
                                      boost::asio::error::get_ssl_category());
  side.failure = classifyHandshakeFailure(side.ec, ssl, false);
  return true;
}

// TLS 1.3 sends a client's rejection after the client finished: its first read gets the alert.
inline void readAlert(SSL* ssl, Side& side) {
  ERR_clear_error();
  char byte = 0;
  const int rc = SSL_read(ssl, &byte, 1);
  if (rc <= 0 && SSL_get_error(ssl, rc) == SSL_ERROR_SSL) {
    side.done = false;
    side.failed = true;
    side.ec = boost::system::error_code(static_cast<int>(ERR_get_error()),
                                        boost::asio::error::get_ssl_category());
    side.failure = classifyHandshakeFailure(side.ec, ssl, false);
  }
}

inline Handshake handshake(const ContextPtr& client_ctx, const ContextPtr& server_ctx,
                           const HandshakeOptions& options = {}) {
  Handshake result;
  SSL* client = SSL_new(client_ctx->native_handle());
  SSL* server = SSL_new(server_ctx->native_handle());
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
  SSL_set_bio(client, client_bio, client_bio);
  SSL_set_bio(server, server_bio, server_bio);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  if (options.client_time) {
    setVerificationTime(client, *options.client_time);
  }
  if (options.server_time) {
    setVerificationTime(server, *options.server_time);
  }
  setServerName(client, options.server_name);
  if (options.resume != nullptr) {
    SSL_set_session(client, options.resume);
  }
  for (int round = 0; round < 50; ++round) {
    step(client, result.client);
    step(server, result.server);
    if ((result.client.done || result.client.failed) &&
        (result.server.done || result.server.failed)) {
      break;
    }
  }
  if (result.client.done) {
    readAlert(client, result.client);
  }
  if (result.client.done) {
    const unsigned char* alpn = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(client, &alpn, &length);
    result.alpn.assign(reinterpret_cast<const char*>(alpn), length);
    result.resumed = SSL_session_reused(client) == 1;
    if (options.keep_session) {
      result.session = SSL_get1_session(client);
    }
    // A connection freed without a shutdown marks its session not resumable (OpenSSL's rule for
    // a connection that may have been cut); these ended cleanly.
    SSL_set_shutdown(client, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }
  SSL_free(client);
  SSL_free(server);
  return result;
}

// Bytes that are not a ClientHello, into a server.
inline Side garbageToServer(const ContextPtr& server_ctx, const std::string& bytes) {
  Side side;
  SSL* server = SSL_new(server_ctx->native_handle());
  BIO* peer = nullptr;
  BIO* server_bio = nullptr;
  BIO_new_bio_pair(&peer, 0, &server_bio, 0);
  SSL_set_bio(server, server_bio, server_bio);
  SSL_set_accept_state(server);
  BIO_write(peer, bytes.data(), static_cast<int>(bytes.size()));
  step(server, side);
  SSL_free(server);
  BIO_free(peer);
  return side;
}

}  // namespace outrider::tls::test
