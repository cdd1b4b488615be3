#pragma once

// The validity of a certificate, read from the handshake that presented it: what a peer was
// actually served, which is the evidence of a certificate fault (not what a file said).

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <optional>
#include <string>

#include "outrider/common/clock.h"

namespace outrider::tls {

struct CertificateValidity {
  SystemTime not_before;
  SystemTime not_after;
  std::string serial_hex;  // upper-case, no leading zeros
  std::string issuer;      // one line, RFC 2253
};

std::optional<CertificateValidity> validityOf(const X509* certificate);
// The certificate the peer presented on `ssl`; nullopt when it presented none.
std::optional<CertificateValidity> peerValidity(const SSL* ssl);

}  // namespace outrider::tls
