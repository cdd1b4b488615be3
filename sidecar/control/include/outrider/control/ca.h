#pragma once

// The control plane's local certificate authority on OpenSSL 3: ECDSA P-256 keys, a self-signed
// root (CA:TRUE, pathlen 0) and one function that issues a leaf. Time is passed in (the caller
// reads its injected Clock); serials and keys come from OpenSSL's CSPRNG, which is what key
// material must come from (not a seeded test generator).
//
// Room for the TLS issue's certificate faults: `cert-wrong-ca` is a second CertificateAuthority
// (created like the first, never put in the bundle) passed to the same issue path, and
// `cert-expiry` is a different LeafRequest::ttl; neither needs a change here.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"

namespace outrider::control {

// A leaf certificate with its own fresh key, as PEM.
struct IssuedCertificate {
  std::string cert_pem;
  std::string key_pem;     // PKCS#8 ("BEGIN PRIVATE KEY")
  std::string serial_hex;  // upper-case hex, no leading zeros
  SystemTime not_before;   // whole seconds, as in the certificate
  SystemTime not_after;
};

struct LeafRequest {
  std::string common_name;             // also the subject CN
  std::string spiffe_id;               // the URI SAN
  std::vector<std::string> dns_names;  // validated by the caller; checked again here
  std::chrono::seconds ttl{3600};
};

// NotBefore is backdated by this much (a leaf: at most a tenth of its lifetime), so a peer whose
// clock is a little behind accepts a fresh certificate (the lifetime a client computes from
// NotBefore..NotAfter includes it).
inline constexpr std::chrono::seconds NotBeforeSlack{30};

class CertificateAuthority {
 public:
  // A new root key and a self-signed root certificate valid from now - slack for `validity`.
  static Result<std::unique_ptr<CertificateAuthority>> createRoot(
      const std::string& common_name, SystemTime now,
      std::chrono::seconds validity = std::chrono::hours(24 * 365 * 10));
  // An existing root from PEM; InvalidArgument when either does not parse, the key does not
  // match the certificate, or the certificate is not a CA.
  static Result<std::unique_ptr<CertificateAuthority>> load(const std::string& cert_pem,
                                                            const std::string& key_pem);

  ~CertificateAuthority();
  CertificateAuthority(const CertificateAuthority&) = delete;
  CertificateAuthority& operator=(const CertificateAuthority&) = delete;

  // Issues a leaf: URI SAN `spiffe_id`, the DNS SANs, IP SAN 127.0.0.1 always, a random 128-bit
  // positive serial, NotBefore = now - min(NotBeforeSlack, ttl / 10), NotAfter = now + ttl,
  // digitalSignature, serverAuth + clientAuth, SKI/AKI.
  Result<IssuedCertificate> issue(const LeafRequest& request, SystemTime now) const;

  const std::string& certPem() const { return cert_pem_; }
  const std::string& keyPem() const { return key_pem_; }

  struct Impl;

 private:
  explicit CertificateAuthority(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string cert_pem_;
  std::string key_pem_;
};

using CertificateAuthorityPtr = std::unique_ptr<CertificateAuthority>;

// A hostname as a DNS SAN may carry: labels of [A-Za-z0-9-] (not starting or ending with '-'),
// 1-63 characters each, 253 in all, an optional leading "*." wildcard label.
bool isValidDnsName(std::string_view name);

}  // namespace outrider::control
