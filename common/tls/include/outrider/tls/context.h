#pragma once

// An asio::ssl::context built from certificate files, the same way for every outrider program:
// TLS 1.2 and 1.3 only, ECDHE with AES-GCM or ChaCha20-Poly1305 (Mozilla's "intermediate" set;
// TLS 1.3 keeps OpenSSL's suites), no compression, no renegotiation, ALPN http/1.1, and on the
// server a session cache and tickets for resumption.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"

namespace outrider::tls {

// Paths; an empty one is not used.
struct Files {
  std::string cert;  // PEM chain, leaf first
  std::string key;   // PEM private key of the leaf
  std::string ca;    // PEM bundle the peer's certificate is verified against
  bool operator==(const Files&) const = default;
};

enum class Role { Server, Client };

// The TLS 1.2 cipher list, also what the benchmarks configure HAProxy and nginx with.
inline constexpr const char* Tls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

using ContextPtr = std::shared_ptr<boost::asio::ssl::context>;

// Server: `cert` and `key` are required; with `ca` every client must present a certificate that
// verifies against it (mTLS). Client: `cert` and `key` (both or neither) are the client
// certificate; with `ca` the server is verified against it, without it the server is not verified
// (the caller asked for encryption, not identity). The key is checked against the certificate;
// errors name the file and OpenSSL's reason, never key material. A cert and key read across a
// rotation (the cert of one set, the key of the next) are read again.
Result<ContextPtr> makeContext(Role role, const Files& files);

// Per connection, before the handshake: verification uses `now` instead of the host's time, so a
// program's injected clock (and its clock-skew fault) decides what counts as expired.
void setVerificationTime(SSL* ssl, SystemTime now);

// Per client connection: SNI (unless `name` is an IP address) and the check that the server's
// certificate names `name` (a DNS SAN, or an IP SAN for an address). Empty: neither.
bool setServerName(SSL* ssl, const std::string& name);

}  // namespace outrider::tls
