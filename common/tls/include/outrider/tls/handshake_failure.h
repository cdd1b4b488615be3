#pragma once

// Why a TLS handshake failed, in the words of the journal's `load.tls_failures` and the proxy's
// handshake-failure metric (M5):
//   expired, not-yet-valid, unknown-ca, hostname-mismatch, bad-certificate (the certificate was
//   checked and refused for another reason), no-certificate (a peer that had to present one did
//   not), protocol (not TLS, no common version or cipher, garbage), handshake-timeout,
//   connection (the peer closed or reset without saying why).
// A refusal is classified the same whether this side's verification found it or the peer said it
// in an alert (a client that finds the server's certificate expired sends certificate_expired);
// `by_peer` tells which.

#include <openssl/ssl.h>

#include <boost/system/error_code.hpp>
#include <string_view>

namespace outrider::tls {

struct HandshakeFailure {
  std::string_view reason;
  bool by_peer = false;  // the peer's alert said so
};

// `ec` is what the handshake completed with, `ssl` the connection's (for the verification result),
// `timed_out` whether the caller's deadline cancelled it.
HandshakeFailure classifyHandshakeFailure(const boost::system::error_code& ec, const SSL* ssl,
                                          bool timed_out);

// Every reason classifyHandshakeFailure can return, for metrics that pre-create their series.
inline constexpr std::string_view HandshakeFailureReasons[] = {
    "expired",        "not-yet-valid", "unknown-ca",        "hostname-mismatch", "bad-certificate",
    "no-certificate", "protocol",      "handshake-timeout", "connection"};

}  // namespace outrider::tls
