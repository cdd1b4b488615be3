#pragma once

// The last resumable TLS session of one event loop's upstream connections, offered to its next
// new one so the upstream can resume instead of running a full handshake. Bound to the context
// it came from: after a reload (new CA or client certificate) a full handshake is due.

#include <openssl/ssl.h>

#include <memory>

#include "outrider/tls/context.h"

namespace outrider::sidecar {

class UpstreamSessionCache {
 public:
  // Before the handshake of a new connection made from `context`.
  void offer(SSL* ssl, const tls::ContextPtr& context) const {
    if (session_ && context == context_ && SSL_SESSION_is_resumable(session_.get()) == 1) {
      SSL_set_session(ssl, session_.get());
    }
  }
  // After an exchange, when the connection's session tickets have been read.
  void keep(SSL* ssl, const tls::ContextPtr& context) {
    SSL_SESSION* session = SSL_get1_session(ssl);
    if (session == nullptr) {
      return;
    }
    if (SSL_SESSION_is_resumable(session) != 1) {
      SSL_SESSION_free(session);
      return;
    }
    session_.reset(session);
    context_ = context;
  }

 private:
  struct SessionFree {
    void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
  };
  std::unique_ptr<SSL_SESSION, SessionFree> session_;
  tls::ContextPtr context_;
};

}  // namespace outrider::sidecar
