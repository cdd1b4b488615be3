#pragma once

// One X.509 credential set as outrider-secrets writes it (cert.pem, key.pem, bundle.pem) and the
// checks it passes before it is written or served: every PEM parses (OpenSSL 3), the key is the
// leaf's, the leaf chains to the bundle, and its validity window is known.

#include <string>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/secrets/rotation.h"

namespace outrider::secrets {

struct CredentialSet {
  std::string cert_pem;    // the leaf first, then intermediates
  std::string key_pem;     // the leaf's private key (PKCS#8); never logged
  std::string bundle_pem;  // the trust bundle: one or more CA certificates
};

// What a valid-looking set says about itself (safe to log).
struct SetInfo {
  std::string serial_hex;  // the leaf's serial, upper-case hex
  std::string subject;     // the leaf's subject, one line
  ValidityWindow window;
};

// Whether a set's certificate must chain to its own bundle. Off is what fetchers without the check
// do (they write whatever the control plane sends); the cert-wrong-ca game day compares the two.
enum class ChainCheck { Bundle, None };

// Parses and cross-checks a set; InvalidArgument with a reason that names no key material.
// Time is not judged here (assessSet does it), so an expired set on disk still has its info.
Result<SetInfo> inspectSet(const CredentialSet& set, ChainCheck chain = ChainCheck::Bundle);

}  // namespace outrider::secrets
